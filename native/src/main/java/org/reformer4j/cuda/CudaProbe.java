package org.reformer4j.cuda;

/**
 * What device discovery found: whether a CUDA device can be used and, if not, why; the driver's CUDA
 * version (e.g. 13000), the number of devices and the first device's name and compute capability.
 */
public record CudaProbe(boolean available, String reason, int driverVersion, int deviceCount, String deviceName,
        int computeCapability) {

    static CudaProbe unavailable(String reason) {
        return new CudaProbe(false, reason, 0, 0, "", 0);
    }

    @Override
    public String toString() {
        return available ? deviceName + " (sm_" + computeCapability + ", driver CUDA " + driverVersion / 1000 + "."
                + driverVersion % 1000 / 10 + ", " + deviceCount + " device(s))" : "no CUDA device: " + reason;
    }
}
