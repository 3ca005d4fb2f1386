/*
 * --device auto|cpu|cuda: "auto" takes the best device a backend offers (core's Device.best(), which
 * logs its choice), "cuda" is an error with the reason when no CUDA backend can start. The model module
 * computes on the CPU for now; a CUDA device that is present is reported and the run goes on on the CPU.
 */
package org.reformer4j.cli;

import org.reformer4j.core.Backends;
import org.reformer4j.core.Device;

final class Devices {
    private Devices() {}

    static Device select(String spec, Io io) {
        switch (spec) {
            case "cpu":
                return Device.CPU;
            case "auto": {
                Device d = Device.best();
                if (!d.isCpu()) io.warn("device " + d + " found, but the model runs on the CPU in this version");
                return Device.CPU;
            }
            case "cuda": {
                try {
                    Backends.of(new Device("cuda", 0));
                } catch (IllegalStateException | IllegalArgumentException e) {
                    throw new UserError("--device cuda: " + Main.oneLine(e.getMessage()));
                }
                io.warn("--device cuda: a CUDA device is present, but the model runs on the CPU in this version");
                return Device.CPU;
            }
            default:
                throw new UserError("--device must be auto, cpu or cuda, got '" + spec + "'");
        }
    }
}
