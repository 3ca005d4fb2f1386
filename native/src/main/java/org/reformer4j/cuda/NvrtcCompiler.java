package org.reformer4j.cuda;

import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcVersion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * NVRTC, straight to CUBIN for the device's compute capability ({@code --gpu-architecture=sm_XY}; never PTX,
 * which a newer NVRTC can emit in a form an older driver refuses). The kernel_prelude.cuh is included
 * first, as the emulator and nvcc do; headers are handed to NVRTC by name. CUBINs are cached on disk by
 * source, headers, NVRTC version and options.
 */
final class NvrtcCompiler {
    private NvrtcCompiler() {}

    static List<String> options(int computeCapability) {
        return List.of("--gpu-architecture=sm_" + computeCapability, "--std=c++17");
    }

    static byte[] compile(KernelSource source, int computeCapability) throws java.io.IOException {
        int[] major = {0}, minor = {0};
        Native.checkNvrtc(nvrtcVersion(major, minor), "nvrtcVersion", "");
        List<String> options = options(computeCapability);
        String key = source.hash("nvrtc " + major[0] + "." + minor[0], String.join(" ", options));
        Path cubin = CompileCache.get(source.name(), key, "cubin",
                target -> Files.write(target, build(source, options)));
        return Files.readAllBytes(cubin);
    }

    private static byte[] build(KernelSource source, List<String> options) {
        String text = "#include \"" + KernelSource.PRELUDE + "\"\n#line 1 \"" + source.name() + "\"\n" + source.text();
        String[] names = source.headers().keySet().toArray(String[]::new);
        String[] bodies = new String[names.length];
        for (int i = 0; i < names.length; i++) bodies[i] = source.headers().get(names[i]);
        _nvrtcProgram program = new _nvrtcProgram();
        Native.checkNvrtc(nvrtcCreateProgram(program, new BytePointer(text), new BytePointer(source.name()),
                names.length, new PointerPointer<>(bodies), new PointerPointer<>(names)), "nvrtcCreateProgram", "",
                source.name());
        try {
            int rc = nvrtcCompileProgram(program, options.size(), new PointerPointer<>(options.toArray(String[]::new)));
            Native.checkNvrtc(rc, "nvrtcCompileProgram", log(program), source.name(), String.join(" ", options));
            SizeTPointer size = new SizeTPointer(1);
            Native.checkNvrtc(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize", "", source.name());
            byte[] cubin = new byte[(int) size.get()];
            Native.checkNvrtc(nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN", "", source.name());
            return cubin;
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtcGetProgramLogSize(program, size) != 0 || size.get() <= 1) return "";
        byte[] log = new byte[(int) size.get()];
        nvrtcGetProgramLog(program, log);
        return new String(log, 0, log.length - 1, java.nio.charset.StandardCharsets.UTF_8);
    }
}
