/* LossPlot: a decodable PNG of the documented size with the curves' colours, and round tick values. */
package org.reformer4j.cli.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class LossPlotTest {
    @Test
    void drawsAPng() throws Exception {
        int n = 200;
        long[] steps = new long[n];
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = i + 1;
            loss[i] = 6 * Math.exp(-i / 50.0) + 2 + 0.1 * Math.sin(i);
        }
        byte[] png = LossPlot.png(new LossPlot.Series(steps, loss, new long[] {50, 100, 150, 200}, new double[] {4.5, 3.2, 2.8, 2.7}, 5.4, "demo"));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(LossPlot.WIDTH, img.getWidth());
        assertEquals(LossPlot.HEIGHT, img.getHeight());
        int orange = 0, blue = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                if (rgb == 0xDC6E14) orange++;
                if (rgb == 0x1F5AB4) blue++;
            }
        }
        assertTrue(orange > 50 && blue > 200, "validation pixels " + orange + ", training pixels " + blue);
    }

    @Test
    void emptySeriesStillDraws() throws Exception {
        byte[] png = LossPlot.png(new LossPlot.Series(new long[0], new double[0], new long[0], new double[0], Double.NaN, null));
        assertEquals(LossPlot.WIDTH, ImageIO.read(new ByteArrayInputStream(png)).getWidth());
    }

    @Test
    void ticksAreRound() {
        assertArrayEquals(new double[] {0, 100, 200, 300, 400, 500, 600}, LossPlot.ticks(0, 600), 1e-9);
        double[] t = LossPlot.ticks(2.1, 6.9);
        assertEquals(2.0, t[0], 1e-9);
        assertEquals(7.0, t[t.length - 1], 1e-9);
        assertEquals(1.0, t[1] - t[0], 1e-9);
    }

    @Test
    void movingAverage() {
        assertArrayEquals(new double[] {1, 1.5, 2.5, 3.5}, LossPlot.movingAverage(new double[] {1, 2, 3, 4}, 2), 1e-12);
    }
}
