/*
 * `reformer4j generate CHECKPOINT [PROMPT]`: loads a run's (or a checkpoint folder's) model and vocabulary
 * and samples a continuation of the prompt, printed token by token as it is drawn, as Chinese is written
 * (no spaces between CJK characters). Sampling follows reformer-pytorch's generate: --filter-thres for
 * its top_k filter, or --top-k N, then --top-p, --temperature; --seed repeats a text; stops at --eos.
 */
package org.reformer4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.reformer4j.cli.generate.CjkText;
import org.reformer4j.cli.generate.Generation;
import org.reformer4j.cli.generate.Sampler;
import org.reformer4j.cli.train.ModelHandle;
import org.reformer4j.tokenizer.BertTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Continue a prompt with a trained model, printing the text as it is sampled.")
final class GenerateCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "a run folder (its latest checkpoint) or a checkpoint folder")
    Path checkpoint;
    @Parameters(index = "1", arity = "0..1", paramLabel = "PROMPT", description = "the beginning of the text (default: empty)")
    String promptArg;
    @Option(names = {"-p", "--prompt"}, description = "the prompt, as an option")
    String promptOpt;
    @Option(names = {"-n", "--length"}, description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    int length = 100;
    @Option(names = "--filter-thres", description = "reformer-pytorch's top_k threshold: keep the (1 - thres) * vocabulary most likely tokens (default: ${DEFAULT-VALUE})")
    double filterThres = 0.9;
    @Option(names = "--top-k", description = "keep the k most likely tokens (overrides --filter-thres; 0: off)")
    int topK = 0;
    @Option(names = "--top-p", description = "nucleus sampling: keep the most likely tokens up to this probability (1: off; default: ${DEFAULT-VALUE})")
    double topP = 1.0;
    @Option(names = {"-T", "--temperature"}, description = "softmax temperature, 0 for greedy (default: ${DEFAULT-VALUE})")
    double temperature = 1.0;
    @Option(names = "--seed", description = "random seed of the sampling (default: ${DEFAULT-VALUE})")
    long seed = 0;
    @Option(names = "--eos", paramLabel = "TOKEN", description = "end token, or 'none' (default: ${DEFAULT-VALUE})")
    String eos = "[SEP]";

    GenerateCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (promptArg != null && promptOpt != null) throw new UserError("give the prompt once: as PROMPT or as --prompt");
        if (length < 1) throw new UserError("--length must be >= 1, got " + length);
        String prompt = promptOpt != null ? promptOpt : promptArg != null ? promptArg : "";
        Sampler sampler = new Sampler(filterThres, topK, topP, temperature, seed);
        CheckpointRef ref = CheckpointRef.resolve(checkpoint);
        BertTokenizer tok = ref.tokenizer();
        ModelHandle model = ref.loadModel(tok);
        int eosId = eosId(tok);
        List<String> unknown = Generation.unknownWords(tok, prompt);
        if (!unknown.isEmpty()) {
            io.warn("the vocabulary lacks " + String.join(" ", unknown) + " of the prompt; " + (unknown.size() == 1 ? "it becomes" : "they become")
                    + " [UNK]");
        }
        long[] ids = Generation.promptIds(tok, prompt);
        CjkText text = new CjkText();
        io.out().print(Generation.promptText(tok, ids, text));
        io.out().flush();
        Generation.run(model, tok, ids, length, sampler, eosId, seed, text, piece -> {
            io.out().print(piece);
            io.out().flush();
        });
        io.out().println();
        return 0;
    }

    private int eosId(BertTokenizer tok) {
        if (eos.equalsIgnoreCase("none")) return -1;
        int id = tok.vocabulary().id(eos);
        if (id < 0) {
            try {
                id = Integer.parseInt(eos);
            } catch (NumberFormatException e) {
                throw new UserError("--eos: '" + eos + "' is not a token of the vocabulary (nor an id)");
            }
            if (id < 0 || id >= tok.vocabSize()) throw new UserError("--eos: id " + id + " is outside the vocabulary [0, " + tok.vocabSize() + ")");
        }
        return id;
    }
}
