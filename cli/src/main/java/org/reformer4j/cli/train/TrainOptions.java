/*
 * The training settings of a run (everything but the model's shape and the tokenizer), as stored in the
 * "training" object of the run's config.json so that --resume continues with exactly the same ones.
 * The learning rate follows lr * schedule(step): a linear warm-up, then cosine (or linear, or constant)
 * decay to minLrRatio * lr at the last step (transformers' schedules, core.optim.LrSchedule).
 */
package org.reformer4j.cli.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.reformer4j.cli.UserError;
import org.reformer4j.core.optim.LrSchedule;

public record TrainOptions(int batchSize, long steps, double lr, long warmup, String schedule, double minLrRatio, double weightDecay,
                           double clipGrad, long seed, double valFraction, long evalEvery, long checkpointEvery, int keepCheckpoints,
                           int samples, int sampleLength) {

    public TrainOptions {
        if (batchSize < 1) throw new UserError("--batch-size must be >= 1, got " + batchSize);
        if (steps < 1) throw new UserError("--steps must be >= 1, got " + steps);
        if (!(lr > 0) || !Double.isFinite(lr)) throw new UserError("--lr must be a positive number, got " + lr);
        if (warmup < 0 || warmup > steps) throw new UserError("--warmup must be in [0, steps = " + steps + "], got " + warmup);
        if (!schedule.equals("cosine") && !schedule.equals("linear") && !schedule.equals("constant")) {
            throw new UserError("--schedule must be cosine, linear or constant, got '" + schedule + "'");
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) throw new UserError("--min-lr-ratio must be in [0, 1], got " + minLrRatio);
        if (!(weightDecay >= 0)) throw new UserError("--weight-decay must be >= 0, got " + weightDecay);
        if (!(clipGrad >= 0)) throw new UserError("--clip-grad must be >= 0 (0: no clipping), got " + clipGrad);
        if (evalEvery < 1) throw new UserError("--eval-every must be >= 1, got " + evalEvery);
        if (checkpointEvery < 1) throw new UserError("--checkpoint-every must be >= 1, got " + checkpointEvery);
        if (keepCheckpoints < 1) throw new UserError("--keep-checkpoints must be >= 1, got " + keepCheckpoints);
        if (samples < 0 || sampleLength < 1) throw new UserError("--samples must be >= 0 and --sample-length >= 1");
    }

    public LrSchedule lrSchedule() {
        return switch (schedule) {
            case "constant" -> warmup == 0 ? LrSchedule.constant() : LrSchedule.constantWithWarmup(warmup);
            case "linear" -> LrSchedule.linearWithWarmup(warmup, steps);
            default -> LrSchedule.cosineWithWarmup(warmup, steps, 0.5, minLrRatio);
        };
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batchSize", batchSize);
        m.put("steps", steps);
        m.put("lr", lr);
        m.put("warmup", warmup);
        m.put("schedule", schedule);
        m.put("minLrRatio", minLrRatio);
        m.put("weightDecay", weightDecay);
        m.put("clipGrad", clipGrad);
        m.put("seed", seed);
        m.put("valFraction", valFraction);
        m.put("evalEvery", evalEvery);
        m.put("checkpointEvery", checkpointEvery);
        m.put("keepCheckpoints", keepCheckpoints);
        m.put("samples", samples);
        m.put("sampleLength", sampleLength);
        return m;
    }

    public static TrainOptions fromMap(Map<String, Object> m) {
        try {
            return new TrainOptions(n(m, "batchSize").intValue(), n(m, "steps").longValue(), n(m, "lr").doubleValue(),
                    n(m, "warmup").longValue(), (String) m.get("schedule"), n(m, "minLrRatio").doubleValue(),
                    n(m, "weightDecay").doubleValue(), n(m, "clipGrad").doubleValue(), n(m, "seed").longValue(),
                    n(m, "valFraction").doubleValue(), n(m, "evalEvery").longValue(), n(m, "checkpointEvery").longValue(),
                    n(m, "keepCheckpoints").intValue(), n(m, "samples").intValue(), n(m, "sampleLength").intValue());
        } catch (ClassCastException | NullPointerException e) {
            throw new UserError("the run's training options are incomplete or malformed: " + e.getMessage(), e);
        }
    }

    private static Number n(Map<String, Object> m, String k) {
        if (m.get(k) instanceof Number x) return x;
        throw new UserError("the run's training options lack a number '" + k + "'");
    }
}
