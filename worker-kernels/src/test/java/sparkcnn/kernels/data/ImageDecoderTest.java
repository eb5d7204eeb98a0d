package sparkcnn.kernels.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import sparkcnn.kernels.arch.Volume;

class ImageDecoderTest {

    static byte[] encode(BufferedImage image, String format) throws IOException {
        var out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    /** A wide image: left half red, right half blue, with a green centre column band. */
    static BufferedImage wide() {
        var image = new BufferedImage(80, 40, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 40, 40);
        g.setColor(Color.BLUE);
        g.fillRect(40, 0, 40, 40);
        g.dispose();
        return image;
    }

    @Test
    void resizesTheShorterSideAndCropsTheCentreIntoNchwPlanes() throws IOException {
        byte[] example = ImageDecoder.decode(encode(wide(), "png"), new Volume(20, 20, 3));
        assertEquals(1200, example.length);
        // 80x40 -> 40x20, centre 20 columns: columns 10..29 of the scaled image, red on the left half
        int red = example[5 * 20 + 2] & 0xFF;        // plane R, row 5, column 2
        int blueInRed = example[800 + 5 * 20 + 2] & 0xFF;
        int blue = example[800 + 5 * 20 + 17] & 0xFF; // plane B, row 5, column 17
        assertTrue(red > 200 && blueInRed < 50 && blue > 200, red + " " + blueInRed + " " + blue);
    }

    @Test
    void greyBecomesRgbAndColourBecomesLuma() throws IOException {
        var grey = new BufferedImage(10, 10, BufferedImage.TYPE_BYTE_GRAY);
        var g = grey.createGraphics();
        g.setColor(new Color(100, 100, 100));
        g.fillRect(0, 0, 10, 10);
        g.dispose();
        byte[] rgb = ImageDecoder.decode(encode(grey, "png"), new Volume(10, 10, 3));
        assertEquals(rgb[0], rgb[100]);
        assertEquals(rgb[0], rgb[200]);
        byte[] luma = ImageDecoder.decode(encode(wide(), "png"), new Volume(8, 4, 1));
        assertEquals(32, luma.length);
        assertEquals(Math.round(0.299 * 255), luma[0] & 0xFF, 2);
    }

    @Test
    void truncatedJpegsAndNonImagesAreRejected() throws IOException {
        byte[] jpeg = encode(wide(), "jpg");
        assertThrows(CorruptImageException.class, () -> ImageDecoder.decode(Arrays.copyOf(jpeg, jpeg.length / 2),
                new Volume(8, 8, 3)));
        var e = assertThrows(CorruptImageException.class, () -> ImageDecoder.decode("hello".getBytes(), new Volume(8, 8, 3)));
        assertTrue(e.getMessage().contains("not a JPEG or PNG"), e.getMessage());
        assertThrows(CorruptImageException.class, () -> ImageDecoder.decode(new byte[0], new Volume(8, 8, 3)));
    }

    /** ImageNet's JPEG and PNG flavours: CMYK (Adobe), progressive, 16 bits per channel. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"cmyk.jpg", "progressive.jpg", "rgb16.png", "gray16.png"})
    void everyFlavourDecodesToTheSameColoursAsThePlainPng(String file) throws IOException {
        var shape = new sparkcnn.kernels.arch.Volume(24, 16, 3);
        // the same picture as a plain 8-bit PNG, in colour or (for the grey one) in grey
        byte[] reference = ImageDecoder.decode(resource(file.startsWith("gray") ? "gray8.png" : "rgb.png"), shape);
        byte[] decoded = ImageDecoder.decode(resource(file), shape);
        double error = 0;
        for (int i = 0; i < decoded.length; i++) {
            error += Math.abs((decoded[i] & 0xFF) - (reference[i] & 0xFF));
        }
        // JPEG and CMYK conversion are lossy; a misread colour space is off by far more (e.g. inverted)
        assertTrue(error / decoded.length < 12, file + ": mean error " + error / decoded.length);
    }

    /** Grey pixels keep the values the file stores (ImageMagick and PIL read gray8.png's as 54), 8 or 16 bits. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"gray8.png", "gray16.png"})
    void greyKeepsItsStoredValues(String file) throws IOException {
        byte[] decoded = ImageDecoder.decode(resource(file), new Volume(48, 32, 3));
        assertEquals(54, decoded[0] & 0xFF);
        assertEquals(54, decoded[48 * 32] & 0xFF);
    }

    private static byte[] resource(String name) throws IOException {
        try (var in = ImageDecoderTest.class.getResourceAsStream("/images/" + name)) {
            return in.readAllBytes();
        }
    }
}
