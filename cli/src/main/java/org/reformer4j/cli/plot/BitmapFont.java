/*
 * A 5x7 pixel font for the labels of the loss plot (digits, lower-case letters - upper case is drawn as
 * lower case - and a few signs), so that plotting needs no system fonts: headless servers and minimal
 * containers often have none, and Java2D text then fails. Each glyph is 7 rows of 5 bits, top row first.
 */
package org.reformer4j.cli.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.util.HashMap;
import java.util.Map;

final class BitmapFont {
    private static final Map<Character, String> GLYPHS = new HashMap<>();

    static {
        String[] table = {
            "0 01110100011001110101110011000101110", "1 00100011000010000100001000010001110",
            "2 01110100010000100010001000100011111", "3 11111000100010000010000011000101110",
            "4 00010001100101010010111110001000010", "5 11111100001111000001000011000101110",
            "6 00110010001000011110100011000101110", "7 11111000010001000100010000100001000",
            "8 01110100011000101110100011000101110", "9 01110100011000101111000010001001100",
            "a 00000000000111000001011111000101111", "b 10000100001011011001100011000111110",
            "c 00000000000111010000100001000101110", "d 00001000010110110011100011000101111",
            "e 00000000000111010001111111000001110", "f 00110010010100011100010000100001000",
            "g 00000000000111110001011110000101110", "h 10000100001011011001100011000110001",
            "i 00100000000110000100001000010001110", "j 00010000000011000010000101001001100",
            "k 10000100001001010100110001010010010", "l 01100001000010000100001000010001110",
            "m 00000000001101010101101011000110001", "n 00000000001011011001100011000110001",
            "o 00000000000111010001100011000101110", "p 00000000001111010001111101000010000",
            "q 00000000000110110011011110000100001", "r 00000000001011011001100001000010000",
            "s 00000000000111010000011100000111110", "t 01000010001110001000010000100100110",
            "u 00000000001000110001100011001101101", "v 00000000001000110001100010101000100",
            "w 00000000001000110001101011010101010", "x 00000000001000101010001000101010001",
            "y 00000000001000110001011110000101110", "z 00000000001111100010001000100011111",
            ". 00000000000000000000000000110001100", ", 00000000000000000000011000010001000",
            "- 00000000000000011111000000000000000", "+ 00000001000010011111001000010000000",
            ": 00000011000110000000011000110000000", "/ 00000000010001000100010001000000000",
            "( 00010001000100001000010000010000010", ") 01000001000001000010000100010001000",
            "% 11000110010001000100010001001100011", "= 00000000001111100000111110000000000",
            "_ 00000000000000000000000000000011111", "? 01110100010000100010001000000000100",
            "  00000000000000000000000000000000000",
        };
        for (String row : table) GLYPHS.put(row.charAt(0), row.substring(2));
    }

    private BitmapFont() {}

    /** Width in pixels of {@code s} drawn at {@code scale} (6 columns per character, the last one blank). */
    static int width(String s, int scale) {
        return s.length() * 6 * scale - scale;
    }

    static int height(int scale) {
        return 7 * scale;
    }

    /** Draws {@code s} with its top-left corner at (x, y). */
    static void draw(Graphics2D g, String s, int x, int y, int scale, Color color) {
        g.setColor(color);
        for (int i = 0; i < s.length(); i++) {
            String bits = GLYPHS.get(Character.toLowerCase(s.charAt(i)));
            if (bits == null) bits = GLYPHS.get('?');
            int ox = x + i * 6 * scale;
            for (int r = 0; r < 7; r++) {
                for (int c = 0; c < 5; c++) {
                    if (bits.charAt(r * 5 + c) == '1') g.fillRect(ox + c * scale, y + r * scale, scale, scale);
                }
            }
        }
    }
}
