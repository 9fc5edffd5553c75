package io.resnetspark.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/** Small generated images (smooth colour fields with noise) and broken files, for Spark tests. */
public final class TestImages {

    private TestImages() {}

    /** Writes a width x height image of the given format ("png", "jpg", "bmp", "gif"). */
    public static Path write(Path dir, String name, int width, int height, String format, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        double fx = 2 + random.nextDouble() * 6;
        double fy = 2 + random.nextDouble() * 6;
        int base = random.nextInt(256);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = clamp(128 + 100 * Math.sin(fx * x / width + base) + random.nextInt(21) - 10);
                int g = clamp(128 + 100 * Math.cos(fy * y / height + base) + random.nextInt(21) - 10);
                int b = clamp((x * 255.0 / width + y * 255.0 / height) / 2 + random.nextInt(21) - 10);
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        Path file = dir.resolve(name);
        if (!ImageIO.write(image, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return file;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The first {@code bytes} bytes of {@code source}, as a new file: a truncated image. */
    public static Path truncated(Path source, Path target, int bytes) throws IOException {
        byte[] all = Files.readAllBytes(source);
        Files.write(target, java.util.Arrays.copyOf(all, Math.min(bytes, all.length)));
        return target;
    }
}
