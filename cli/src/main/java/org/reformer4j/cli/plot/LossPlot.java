/*
 * Draws the loss curve of a run as a PNG with java.awt.image.BufferedImage and ImageIO (headless, no
 * fonts needed): training loss per step (faint) and its moving average, validation loss at evaluation
 * steps, and the unigram baseline as a dashed line, on axes with round tick values and a legend.
 */
package org.reformer4j.cli.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

public final class LossPlot {
    public static final int WIDTH = 900, HEIGHT = 540;
    private static final int LEFT = 80, RIGHT = 24, TOP = 44, BOTTOM = 56, SCALE = 2;
    private static final Color TRAIN_RAW = new Color(160, 190, 230), TRAIN = new Color(31, 90, 180),
            VAL = new Color(220, 110, 20), BASE = new Color(120, 120, 120), GRID = new Color(232, 232, 232), INK = new Color(40, 40, 40);

    /** Points of the plot: training loss by step, validation loss by step, and the baseline (NaN: none). */
    public record Series(long[] trainSteps, double[] trainLoss, long[] valSteps, double[] valLoss, double baseline, String title) {}

    private LossPlot() {}

    /** The PNG bytes of the plot. */
    public static byte[] png(Series s) throws IOException {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(g, s);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer in this JVM");
        return out.toByteArray();
    }

    private static void draw(Graphics2D g, Series s) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        int pw = WIDTH - LEFT - RIGHT, ph = HEIGHT - TOP - BOTTOM;
        double[] smooth = movingAverage(s.trainLoss(), Math.max(1, s.trainLoss().length / 40));
        long maxStep = 1;
        for (long v : s.trainSteps()) maxStep = Math.max(maxStep, v);
        for (long v : s.valSteps()) maxStep = Math.max(maxStep, v);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] a : new double[][] {smooth, s.valLoss(), {s.baseline()}}) {
            for (double v : a) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        double rawHi = percentile(s.trainLoss(), 0.98);
        if (Double.isFinite(rawHi)) hi = Math.max(hi, rawHi);
        if (!Double.isFinite(lo)) {
            lo = 0;
            hi = 1;
        }
        if (hi - lo < 1e-6) hi = lo + 1;
        double[] yt = ticks(Math.max(0, lo - 0.05 * (hi - lo)), hi + 0.05 * (hi - lo));
        double y0 = yt[0], y1 = yt[yt.length - 1];
        double[] xt = ticks(0, maxStep);
        double x1 = xt[xt.length - 1];
        Axis ax = new Axis(LEFT, TOP, pw, ph, 0, x1, y0, y1);

        g.setStroke(new BasicStroke(1f));
        for (double t : yt) {
            int y = ax.y(t);
            g.setColor(GRID);
            g.drawLine(LEFT, y, LEFT + pw, y);
            String l = label(t, yt);
            BitmapFont.draw(g, l, LEFT - 8 - BitmapFont.width(l, SCALE), y - BitmapFont.height(SCALE) / 2, SCALE, INK);
        }
        for (double t : xt) {
            int x = ax.x(t);
            g.setColor(GRID);
            g.drawLine(x, TOP, x, TOP + ph);
            String l = label(t, xt);
            BitmapFont.draw(g, l, x - BitmapFont.width(l, SCALE) / 2, TOP + ph + 8, SCALE, INK);
        }
        g.setColor(INK);
        g.drawRect(LEFT, TOP, pw, ph);
        BitmapFont.draw(g, "step", LEFT + pw / 2 - BitmapFont.width("step", SCALE) / 2, HEIGHT - 22, SCALE, INK);
        BitmapFont.draw(g, "loss (nats/token)", 8, 12, SCALE, INK);
        if (s.title() != null) BitmapFont.draw(g, s.title(), LEFT + pw - BitmapFont.width(s.title(), SCALE), 12, SCALE, INK);

        var clip = g.getClip();
        g.clipRect(LEFT + 1, TOP + 1, pw - 1, ph - 1);
        if (Double.isFinite(s.baseline())) {
            g.setColor(BASE);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
            int y = ax.y(s.baseline());
            g.drawLine(LEFT, y, LEFT + pw, y);
        }
        line(g, ax, s.trainSteps(), s.trainLoss(), TRAIN_RAW, 1f);
        line(g, ax, s.trainSteps(), smooth, TRAIN, 2f);
        line(g, ax, s.valSteps(), s.valLoss(), VAL, 2f);
        g.setColor(VAL);
        for (int i = 0; i < s.valSteps().length; i++) {
            if (Double.isFinite(s.valLoss()[i])) g.fillOval(ax.x(s.valSteps()[i]) - 3, ax.y(s.valLoss()[i]) - 3, 7, 7);
        }
        g.setClip(clip);

        List<Object[]> legend = new ArrayList<>();
        legend.add(new Object[] {"train (moving average)", TRAIN});
        if (s.valSteps().length > 0) legend.add(new Object[] {"validation", VAL});
        if (Double.isFinite(s.baseline())) legend.add(new Object[] {String.format(Locale.ROOT, "unigram baseline %.2f", s.baseline()), BASE});
        int lx = LEFT + pw - 300, ly = TOP + 12;
        for (Object[] e : legend) {
            g.setColor((Color) e[1]);
            g.setStroke(new BasicStroke(3f));
            g.drawLine(lx, ly + 7, lx + 24, ly + 7);
            BitmapFont.draw(g, (String) e[0], lx + 32, ly, SCALE, INK);
            ly += 22;
        }
    }

    private record Axis(int left, int top, int w, int h, double x0, double x1, double y0, double y1) {
        int x(double v) {
            return left + (int) Math.round((v - x0) / (x1 - x0) * w);
        }

        int y(double v) {
            return top + h - (int) Math.round((v - y0) / (y1 - y0) * h);
        }
    }

    private static void line(Graphics2D g, Axis ax, long[] xs, double[] ys, Color c, float width) {
        Path2D.Double p = new Path2D.Double();
        boolean started = false;
        for (int i = 0; i < xs.length; i++) {
            if (!Double.isFinite(ys[i])) continue;
            double x = ax.x(xs[i]), y = ax.y(ys[i]);
            if (started) p.lineTo(x, y);
            else p.moveTo(x, y);
            started = true;
        }
        g.setColor(c);
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(p);
    }

    /** Trailing moving average over {@code window} points. */
    static double[] movingAverage(double[] v, int window) {
        double[] out = new double[v.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            sum += v[i];
            if (i >= window) sum -= v[i - window];
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }

    private static double percentile(double[] v, double q) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        return f.length == 0 ? Double.NaN : f[Math.min(f.length - 1, (int) (q * f.length))];
    }

    /** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about 6 ticks. */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        double start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
        int n = (int) Math.round((end - start) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = start + i * step;
        return t;
    }

    private static String label(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
