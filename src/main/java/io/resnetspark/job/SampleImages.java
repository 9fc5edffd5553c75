package io.resnetspark.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The sample images of the embedded default run: a few small images generated for this project
 * (free to redistribute) and one deliberately truncated JPEG, packaged in the jar and copied to a
 * directory so Spark can read them like any other image folder.
 */
final class SampleImages {

    private static final String ROOT = "io/resnetspark/samples/";

    private SampleImages() {}

    static Path extractTo(Path directory) {
        try {
            Files.createDirectories(directory);
            String index;
            try (InputStream in = resource("index.txt")) {
                index = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            for (String name : index.split("\n")) {
                if (!name.isBlank()) {
                    try (InputStream in = resource(name.strip())) {
                        Files.copy(in, directory.resolve(name.strip()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sample images to " + directory, e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = SampleImages.class.getClassLoader().getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IOException("sample image " + name + " is missing from the jar");
        }
        return in;
    }
}
