/*
 * `reformer4j tokenize TEXT`: the ids and tokens a vocabulary gives a text ([CLS] and [SEP] included, as
 * BertTokenizer.encode), for checking a vocabulary; words it lacks are named in a warning.
 */
package org.reformer4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.reformer4j.cli.data.Vocabs;
import org.reformer4j.cli.generate.Generation;
import org.reformer4j.tokenizer.BertTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids and tokens of a text.")
final class TokenizeCommand implements Callable<Integer> {
    private final Io io;

    static final class Source {
        @Option(names = {"-t", "--tokenizer"}, paramLabel = "SPEC", required = true,
                description = "a folder with vocab.txt, a vocab.txt file or a model name in the local HuggingFace cache")
        String tokenizer;
        @Option(names = {"-c", "--checkpoint"}, paramLabel = "RUN", required = true, description = "the vocabulary of a run or checkpoint folder")
        Path checkpoint;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;
    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "the text (several words are joined by spaces)")
    List<String> text;

    TokenizeCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        BertTokenizer tok = source.tokenizer != null ? Vocabs.load(source.tokenizer) : CheckpointRef.resolve(source.checkpoint).tokenizer();
        String s = String.join(" ", text);
        int[] ids = tok.encode(s);
        List<String> tokens = tok.convertIdsToTokens(ids);
        StringBuilder a = new StringBuilder("ids    "), b = new StringBuilder("tokens ");
        for (int i = 0; i < ids.length; i++) {
            String id = String.valueOf(ids[i]), t = tokens.get(i);
            int w = Math.max(id.length(), displayWidth(t));
            a.append(id).append(" ".repeat(w - id.length() + 1));
            b.append(t).append(" ".repeat(w - displayWidth(t) + 1));
        }
        io.out().println(a.toString().stripTrailing());
        io.out().println(b.toString().stripTrailing());
        io.out().printf("%d tokens, vocabulary of %d%n", ids.length, tok.vocabSize());
        List<String> unknown = Generation.unknownWords(tok, s);
        if (!unknown.isEmpty()) io.warn("the vocabulary lacks " + String.join(" ", unknown) + " ([UNK])");
        return 0;
    }

    /** Terminal columns of a token: CJK and full-width characters take two. */
    static int displayWidth(String s) {
        int w = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3)
                    || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60)
                    || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
            w += wide ? 2 : 1;
        }
        return w;
    }
}
