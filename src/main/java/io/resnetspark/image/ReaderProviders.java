package io.resnetspark.image;

import com.twelvemonkeys.imageio.plugins.bmp.BMPImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;

/**
 * The ImageIO reader providers this package uses, chosen explicitly per format instead of asking
 * ImageIO's global registry "who reads this?".
 *
 * <p>Why: the global registry's content depends on which class loader registered plugins first (in
 * a Spark executor, user jars may be invisible to it), and its ordering can be changed by any
 * library on the classpath (TwelveMonkeys' own providers order themselves before the JDK's). Here
 * the JDK's JPEG and PNG readers are taken from the registry by class name (the JDK always
 * registers them) and TwelveMonkeys' WebP, TIFF and BMP providers are created directly. GIFs are
 * decoded without ImageIO ({@link GifDecoder}).
 *
 * <p>Providers are thread-safe; the readers they create are not, so every decode creates its own.
 */
final class ReaderProviders {

    private static final Map<ImageFormat, String> JDK_PROVIDERS = Map.of(
            ImageFormat.JPEG, "com.sun.imageio.plugins.jpeg.JPEGImageReaderSpi",
            ImageFormat.PNG, "com.sun.imageio.plugins.png.PNGImageReaderSpi");

    private static final ReaderProviders INSTANCE = new ReaderProviders();

    private final Map<ImageFormat, ImageReaderSpi> providers = new EnumMap<>(ImageFormat.class);

    private ReaderProviders() {
        Iterator<ImageReaderSpi> registered =
                IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, false);
        while (registered.hasNext()) {
            ImageReaderSpi spi = registered.next();
            for (Map.Entry<ImageFormat, String> jdk : JDK_PROVIDERS.entrySet()) {
                if (spi.getClass().getName().equals(jdk.getValue())) {
                    providers.put(jdk.getKey(), spi);
                }
            }
        }
        for (Map.Entry<ImageFormat, String> jdk : JDK_PROVIDERS.entrySet()) {
            if (!providers.containsKey(jdk.getKey())) {
                throw new IllegalStateException("the JDK's ImageIO reader " + jdk.getValue() + " is missing");
            }
        }
        providers.put(ImageFormat.WEBP, new WebPImageReaderSpi());
        providers.put(ImageFormat.TIFF, new TIFFImageReaderSpi());
        providers.put(ImageFormat.BMP, new BMPImageReaderSpi());
    }

    /** A new reader for the format: the JDK's for JPEG and PNG, TwelveMonkeys' for the others. */
    static ImageReader reader(ImageFormat format) throws IOException {
        return INSTANCE.providers.get(format).createReaderInstance(null);
    }
}
