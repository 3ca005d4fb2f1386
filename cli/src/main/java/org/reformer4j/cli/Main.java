/*
 * The reformer4j command line (picocli): train, generate, tokenize, info. With no arguments it runs the
 * train demo (built-in sample corpus, a vocabulary trained on it, a small ReformerLM, checkpoints, a loss
 * plot and generated lines). Errors in what the user asked for print one line and exit with status 2;
 * a run stopped by Ctrl-C exits with 130 after writing a checkpoint. The only System.exit is here.
 */
package org.reformer4j.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.reformer4j.cli.train.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "reformer4j", mixinStandardHelpOptions = true, version = "reformer4j 0.1.0-SNAPSHOT",
        description = {"Train and sample Reformer language models on the JVM.",
            "Without arguments: the training demo on the built-in Chinese sample corpus."},
        footer = {"", "Examples:", "  reformer4j                                   # the demo",
            "  reformer4j train corpus.txt --steps 2000 -o runs/mine",
            "  reformer4j generate runs/mine 今天天气 --length 60",
            "  reformer4j tokenize -c runs/mine 今天天气很好", "  reformer4j info runs/mine"})
public final class Main implements Callable<Integer> {
    /** Status for errors in the user's input (as picocli uses for bad options). */
    public static final int USAGE = 2;
    private final Io io;

    Main(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        return commandLine(io).execute("train");
    }

    /** Held so that the level set in main stays (loggers are weakly referenced). */
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("org.reformer4j");

    public static void main(String[] args) {
        LOG.setLevel(java.util.logging.Level.WARNING); // the commands report the device and the Vector API themselves
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status = run(new Io(out, err, Progress.interactive(), true), args);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** Runs the command line in this process; returns the exit status. */
    public static int run(Io io, String... args) {
        CommandLine cl = commandLine(io);
        return cl.execute(args);
    }

    static CommandLine commandLine(Io io) {
        CommandLine cl = new CommandLine(new Main(io));
        cl.addSubcommand("train", new TrainCommand(io));
        cl.addSubcommand("generate", new GenerateCommand(io));
        cl.addSubcommand("tokenize", new TokenizeCommand(io));
        cl.addSubcommand("info", new InfoCommand(io));
        cl.setOverwrittenOptionsAllowed(true); // the last of a repeated option wins, as in most tools
        cl.setOut(new PrintWriter(io.out(), true));
        cl.setErr(new PrintWriter(io.err(), true));
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            Throwable t = e;
            while (!(t instanceof UserError) && t.getCause() != null && t.getCause() != t) t = t.getCause();
            if (t instanceof UserError u) {
                io.err().println("reformer4j: " + oneLine(u.getMessage()));
                io.err().flush();
                return USAGE;
            }
            io.err().println("reformer4j: internal error in '" + line.getCommandName() + "': " + e);
            e.printStackTrace(io.err());
            io.err().flush();
            return 1;
        });
        cl.setParameterExceptionHandler((e, args) -> {
            String name = e.getCommandLine().getCommandName();
            io.err().println("reformer4j: " + oneLine(e.getMessage()) + " (see: reformer4j " + (name.equals("reformer4j") ? "" : name + " ") + "--help)");
            io.err().flush();
            return USAGE;
        });
        return cl;
    }

    static String oneLine(String s) {
        return s == null ? "(no message)" : s.replace("\r", " ").replace('\n', ' ').strip();
    }
}
