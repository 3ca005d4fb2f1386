/* CjkText: Chinese without spaces, other words with them, "##" pieces glued, punctuation placed. */
package org.reformer4j.cli.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CjkTextTest {
    @Test
    void chineseHasNoSpaces() {
        assertEquals("今天天气很好，我们去公园。", CjkText.join(List.of("今", "天", "天", "气", "很", "好", "，", "我", "们", "去", "公", "园", "。")));
    }

    @Test
    void latinWordsKeepSpacesAndPiecesGlue() {
        assertEquals("hello world, playing (ok).", CjkText.join(List.of("hello", "world", ",", "play", "##ing", "(", "ok", ")", ".")));
    }

    @Test
    void mixedScripts() {
        assertEquals("我用java写程序2次", CjkText.join(List.of("我", "用", "java", "写", "程", "序", "2", "次")));
    }

    @Test
    void streamingGivesTheSameText() {
        CjkText t = new CjkText();
        StringBuilder sb = new StringBuilder();
        for (String s : List.of("明", "天", "见", "!", "see", "you")) sb.append(t.append(s));
        assertEquals("明天见! see you", sb.toString());
    }
}
