/*
 * The command line driven in-process with a tiny model: train writes its run folder (config, vocabulary,
 * metrics, plot, checkpoints); an interrupted run resumed from its checkpoint gives exactly the losses
 * and weights of the uninterrupted one; generate, tokenize and info read the run; bad input is refused
 * with one line and status 2.
 */
package org.reformer4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reformer4j.cli.data.Corpus;
import org.reformer4j.cli.train.Checkpoints;
import org.reformer4j.cli.train.Metrics;
import org.reformer4j.core.nn.StateDicts;

class CommandLineTest {
    @TempDir
    static Path tmp;
    static Path full;
    static Cli.Result fullRun;

    /** The reference run: 8 steps without interruption. */
    @BeforeAll
    static void uninterrupted() {
        full = tmp.resolve("full");
        fullRun = Cli.train("--steps", "8", "--checkpoint-every", "3", "--eval-every", "4", "-o", full.toString());
        assertEquals(0, fullRun.status(), fullRun.err());
    }

    @Test
    void trainWritesTheRunFolder() throws IOException {
        for (String f : List.of("config.json", "vocab.txt", Metrics.FILE, "loss.png", "samples.txt")) {
            assertTrue(Files.isRegularFile(full.resolve(f)), f);
        }
        assertEquals("step-00000008", Files.readString(full.resolve("checkpoints/latest")).strip());
        try (Stream<Path> s = Files.list(full.resolve("checkpoints"))) {
            assertEquals(Set.of("latest", "step-00000006", "step-00000008"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        Path ckpt = full.resolve("checkpoints/step-00000008");
        for (String f : List.of("config.json", "vocab.txt", "model.safetensors", "optimizer.safetensors", "trainer.json")) {
            assertTrue(Files.isRegularFile(ckpt.resolve(f)), f);
        }
        List<Metrics.Row> rows = Metrics.read(full.resolve(Metrics.FILE));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), rows.stream().map(Metrics.Row::step).toList());
        assertTrue(Double.isFinite(rows.get(3).valLoss()) && Double.isFinite(rows.get(7).valLoss()));
        assertTrue(Double.isNaN(rows.get(4).valLoss()));
        assertEquals(org.reformer4j.cli.plot.LossPlot.WIDTH, ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(full.resolve("loss.png")))).getWidth());
        assertTrue(fullRun.out().contains("unigram baseline"), fullRun.out());
        // the model's weights keep reformer-pytorch's state_dict names
        assertTrue(StateDicts.read(ckpt.resolve("model.safetensors")).containsKey("token_emb.weight"));
    }

    @Test
    void interruptedAndResumedEqualsUninterrupted() throws IOException {
        Path run = tmp.resolve("interrupted");
        Cli.Result a = Cli.train("--steps", "8", "--checkpoint-every", "3", "--eval-every", "4", "-o", run.toString(), "--stop-after", "5");
        assertEquals(130, a.status(), a.err());
        assertTrue(a.err().contains("train --resume --output"), a.err());
        assertEquals("step-00000005", Files.readString(run.resolve("checkpoints/latest")).strip());
        Cli.Result b = Cli.run("train", "--resume", "-o", run.toString());
        assertEquals(0, b.status(), b.err());
        assertTrue(b.out().contains("resuming    from step-00000005"), b.out());
        assertSameCurve(full, run);
        assertArrayEquals(Files.readAllBytes(full.resolve("checkpoints/step-00000008/model.safetensors")),
                Files.readAllBytes(run.resolve("checkpoints/step-00000008/model.safetensors")), "final weights");
        assertArrayEquals(Files.readAllBytes(full.resolve("checkpoints/step-00000008/optimizer.safetensors")),
                Files.readAllBytes(run.resolve("checkpoints/step-00000008/optimizer.safetensors")), "final optimizer state");
        assertEquals(Files.readString(full.resolve("samples.txt")), Files.readString(run.resolve("samples.txt")));
    }

    /** Training and validation losses of two runs, step by step, exactly. */
    static void assertSameCurve(Path expected, Path actual) throws IOException {
        List<Metrics.Row> e = Metrics.read(expected.resolve(Metrics.FILE)), a = Metrics.read(actual.resolve(Metrics.FILE));
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.get(i).step(), a.get(i).step());
            assertEquals(e.get(i).trainLoss(), a.get(i).trainLoss(), 0.0, "training loss at step " + e.get(i).step());
            assertEquals(e.get(i).valLoss(), a.get(i).valLoss(), 0.0, "validation loss at step " + e.get(i).step());
            assertEquals(e.get(i).lr(), a.get(i).lr(), 0.0, "learning rate at step " + e.get(i).step());
        }
    }

    @Test
    void generateStreamsChineseFromTheCorpusCharacters() {
        Cli.Result r = Cli.run("generate", full.toString(), "今天", "--length", "12", "--seed", "3", "--eos", "none");
        assertEquals(0, r.status(), r.err());
        String text = r.out().strip();
        assertTrue(text.startsWith("今天") && text.codePointCount(0, text.length()) > 2, text);
        assertTrue(!text.contains(" "), "no spaces between Chinese characters: " + text);
        Set<Integer> corpusChars = String.join("", Corpus.sample().documents()).codePoints().boxed().collect(Collectors.toSet());
        text.codePoints().forEach(cp -> assertTrue(corpusChars.contains(cp), "character " + Character.toString(cp) + " of " + text));
        Cli.Result again = Cli.run("generate", full.resolve("checkpoints/step-00000008").toString(), "--prompt", "今天", "-n", "12", "--seed", "3", "--eos", "none");
        assertEquals(r.out(), again.out(), "a seed repeats the text; a checkpoint folder works as well as the run folder");
    }

    @Test
    void promptCharactersOutsideTheVocabularyBecomeUnk() {
        Cli.Result r = Cli.run("generate", full.toString(), "床前明月光", "-n", "3", "--top-k", "5", "-T", "0.7");
        assertEquals(0, r.status(), r.err());
        String warning = r.err().lines().filter(l -> l.contains("warning")).findFirst().orElse("");
        // the sample corpus has 床 (起床), 前, 明 and 月 but not 光
        assertTrue(warning.contains("[UNK]") && warning.contains("光") && !warning.contains("床"), r.err());
        assertTrue(r.out().startsWith("床前明月[UNK]"), r.out());
    }

    @Test
    void tokenizeShowsIdsAndTokens() {
        Cli.Result r = Cli.run("tokenize", "-c", full.toString(), "今天天气很好");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("ids    2 "), lines.get(0));
        assertTrue(lines.get(1).startsWith("tokens [CLS]") && lines.get(1).contains("今") && lines.get(1).endsWith("[SEP]"), lines.get(1));
    }

    @Test
    void infoReportsRuntimeAndModelSize() throws IOException {
        Cli.Result r = Cli.run("info", full.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("vector api") && r.out().contains("cpu ") && r.out().contains("device"), r.out());
        var cfg = org.reformer4j.model.ReformerConfig.fromMap(org.reformer4j.cli.train.JsonFiles.getMap(
                org.reformer4j.cli.train.JsonFiles.read(full.resolve("config.json")), "model", full)).config();
        long params = new org.reformer4j.model.ReformerLM(cfg).numParameters();
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%,d parameters", params)), r.out());
        assertTrue(r.out().contains("trained     8 steps"), r.out());
    }

    @Test
    void ownCorpusOfParagraphsForOneEpoch() throws IOException {
        // 12 paragraphs of 2 lines; windows of 17 tokens cut the long ones; 10% held out
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 12; i++) text.append("第").append(i).append("段：今天天气很好，我们一起去公园散步。\n然后回家吃饭，晚上看书。\n\n");
        Path f = Files.writeString(tmp.resolve("paragraphs.txt"), text.toString());
        Path run = tmp.resolve("epochs");
        Cli.Result r = Cli.train(f.toString(), "--epochs", "1", "--batch-size", "4", "-o", run.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("12 documents"), r.out());
        String data = r.out().lines().filter(l -> l.startsWith("data")).findFirst().orElseThrow();
        int train = Integer.parseInt(data.replaceAll("^data\\s+(\\d+) training sequences.*", "$1"));
        int steps = Math.ceilDiv(train, 4);
        assertTrue(data.contains(steps + " batches of 4 per epoch"), data);
        assertEquals(steps, Metrics.read(run.resolve(Metrics.FILE)).size());
    }

    @Test
    void helpListsTheCommands() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.status());
        for (String c : List.of("train", "generate", "tokenize", "info")) assertTrue(r.out().contains(c), r.out());
    }

    // ---- bad input: one line, status 2

    static void assertRefused(Cli.Result r, String fragment) {
        assertEquals(Main.USAGE, r.status(), r.out() + r.err());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).contains(fragment), lines.get(0));
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void missingCorpus() {
        assertRefused(Cli.train(tmp.resolve("no-such-file.txt").toString(), "-o", tmp.resolve("r-missing").toString()), "corpus file not found");
    }

    @Test
    void binaryCorpus() throws IOException {
        Path f = Files.write(tmp.resolve("model.bin"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0});
        assertRefused(Cli.train(f.toString(), "-o", tmp.resolve("r-binary").toString()), "binary");
    }

    @Test
    void emptyCorpus() throws IOException {
        Path f = Files.writeString(tmp.resolve("empty.txt"), "\n\n");
        assertRefused(Cli.train(f.toString(), "-o", tmp.resolve("r-empty").toString()), "holds no text");
    }

    @Test
    void checkpointOfAnotherModelShape() throws IOException {
        Path other = tmp.resolve("wide");
        Cli.Result w = Cli.train("--steps", "1", "--dim", "48", "--samples", "0", "-o", other.toString());
        assertEquals(0, w.status(), w.err());
        Path victim = tmp.resolve("victim");
        Cli.Result v = Cli.train("--steps", "2", "--samples", "0", "--stop-after", "1", "-o", victim.toString());
        assertEquals(130, v.status(), v.err());
        Files.copy(other.resolve("checkpoints/step-00000001/model.safetensors"), victim.resolve("checkpoints/step-00000001/model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(Cli.run("generate", victim.toString(), "今天"), "another model shape");
        assertRefused(Cli.run("train", "--resume", "-o", victim.toString()), "another model shape");
    }

    @Test
    void resumeRefusesNewModelOptions() {
        assertRefused(Cli.run("train", "--resume", "-o", full.toString(), "--dim", "64"), "--dim");
    }

    @Test
    void existingRunNeedsResume() {
        assertRefused(Cli.train("--steps", "2", "-o", full.toString()), "--resume");
    }

    @Test
    void unknownOptionIsOneLine() {
        assertRefused(Cli.run("train", "--no-such-option"), "--no-such-option");
    }

    @Test
    void cudaWithoutADevice() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.reformer4j.core.Backends.isAvailable("cuda"), "a CUDA device is present");
        assertRefused(Cli.train("--device", "cuda", "--steps", "1", "-o", tmp.resolve("r-cuda").toString()), "--device cuda");
    }

    @Test
    void negativeKeptActivationsAreRefused() {
        assertRefused(Cli.train("--keep-activations-mib", "-1", "--steps", "1", "-o", tmp.resolve("r-keep").toString()), "--keep-activations-mib");
    }

    @Test
    void generateFromNothing() {
        assertRefused(Cli.run("generate", tmp.resolve("nothing-here").toString()), "checkpoint not found");
    }
}
