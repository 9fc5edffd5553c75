package io.resnetspark.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cross-checks against real numpy, in both directions. The system interpreter is used on purpose
 * (not whatever {@code python3} is on PATH), and a missing interpreter or numpy fails these tests
 * rather than skipping them: a silently skipped cross-check would hide format drift.
 */
class NumpyInteropTest {

    private static final String PYTHON = "/usr/bin/python3";

    private static final String INSTALL_HINT =
            "; install python3-numpy (e.g. apt-get install python3-numpy) so that "
                    + PYTHON
                    + " can import numpy";

    @TempDir Path dir;

    /** Runs a Python script with the temp directory as argv[1], failing on a non-zero exit. */
    private static void python(String script, Path workDir)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            fail(PYTHON + " not found" + INSTALL_HINT);
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, "-c", script, workDir.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("python timed out:\n" + output);
        }
        if (output.contains("No module named 'numpy'")) {
            fail(PYTHON + " has no numpy" + INSTALL_HINT + "\n" + output);
        }
        assertEquals(0, process.exitValue(), "python failed:\n" + output);
    }

    private static float[] range(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        return values;
    }

    @Test
    void readsWhatNumpyWrites() throws Exception {
        String script =
                String.join(
                        "\n",
                        "import sys, os",
                        "import numpy as np",
                        "from numpy.lib import format as fmt",
                        "d = sys.argv[1]",
                        "p = lambda name: os.path.join(d, name)",
                        "c = np.arange(24, dtype='<f4').reshape(2, 3, 4)",
                        "f = np.asfortranarray(c)",
                        "assert f.flags.f_contiguous and not f.flags.c_contiguous",
                        "np.save(p('c.npy'), c)",
                        "np.save(p('fortran.npy'), f)",
                        "np.save(p('f64.npy'), np.array([[1.5, -0.1], [1e-3, 3.0e38]],"
                            + " dtype='<f8'))",
                        "np.save(p('big_endian.npy'), np.arange(6, dtype='>f4').reshape(3, 2))",
                        "np.save(p('i64.npy'), np.array([-5, 7, 2**40], dtype=np.int64))",
                        "np.save(p('i32.npy'), np.array([-5, 7], dtype=np.int32))",
                        "np.save(p('u8.npy'), np.array([0, 255], dtype=np.uint8))",
                        "np.save(p('bool.npy'), np.array([True, False, True]))",
                        "np.save(p('scalar.npy'), np.float32(2.5))",
                        "np.save(p('empty.npy'), np.zeros((0, 3), dtype='<f4'))",
                        "halves = np.arange(65536, dtype='<u2').view('<f2')",
                        "np.save(p('f16_all.npy'), halves)",
                        "np.save(p('f16_all_as_f32.npy'), halves.astype('<f4'))",
                        "for v in [(2, 0), (3, 0)]:",
                        "    with open(p('v%d.npy' % v[0]), 'wb') as fh:",
                        "        fmt.write_array(fh, c, version=v)",
                        "np.savez(p('plain.npz'), c=c, fortran=f, f64=np.array([0.1, 0.2]),"
                                + " scalar=np.float32(7))",
                        "np.savez_compressed(p('compressed.npz'), c=c, fortran=f,"
                            + " f64=np.array([0.1, 0.2]))",
                        "np.save(p('object.npy'), np.array([{'a': 1}], dtype=object),"
                            + " allow_pickle=True)");
        python(script, dir);

        float[] expected = range(24);
        Tensor c = NpyFormat.read(dir.resolve("c.npy"));
        assertArrayEquals(new long[] {2, 3, 4}, c.shape());
        assertArrayEquals(expected, c.values());

        Tensor fortran = NpyFormat.read(dir.resolve("fortran.npy"));
        assertArrayEquals(new long[] {2, 3, 4}, fortran.shape());
        assertArrayEquals(expected, fortran.values(), "Fortran order transposed into C order");

        Tensor f64 = NpyFormat.read(dir.resolve("f64.npy"));
        assertEquals("<f8", f64.sourceDtype());
        assertArrayEquals(new float[] {1.5f, -0.1f, 1e-3f, 3.0e38f}, f64.values());

        Tensor bigEndian = NpyFormat.read(dir.resolve("big_endian.npy"));
        assertEquals(">f4", bigEndian.sourceDtype());
        assertArrayEquals(range(6), bigEndian.values());

        assertArrayEquals(
                new float[] {-5f, 7f, 0x1p40f}, NpyFormat.read(dir.resolve("i64.npy")).values());
        assertArrayEquals(new float[] {-5f, 7f}, NpyFormat.read(dir.resolve("i32.npy")).values());
        assertArrayEquals(new float[] {0f, 255f}, NpyFormat.read(dir.resolve("u8.npy")).values());
        assertArrayEquals(
                new float[] {1f, 0f, 1f}, NpyFormat.read(dir.resolve("bool.npy")).values());

        Tensor scalar = NpyFormat.read(dir.resolve("scalar.npy"));
        assertArrayEquals(new long[0], scalar.shape());
        assertArrayEquals(new float[] {2.5f}, scalar.values());
        assertArrayEquals(new long[] {0, 3}, NpyFormat.read(dir.resolve("empty.npy")).shape());

        // Every one of the 65536 half-precision values converts exactly as numpy converts it.
        float[] halves = NpyFormat.read(dir.resolve("f16_all.npy")).values();
        float[] numpyWidened = NpyFormat.read(dir.resolve("f16_all_as_f32.npy")).values();
        for (int bits = 0; bits < 65536; bits++) {
            boolean bothNaN = Float.isNaN(halves[bits]) && Float.isNaN(numpyWidened[bits]);
            if (!bothNaN) {
                assertEquals(
                        Float.floatToRawIntBits(numpyWidened[bits]),
                        Float.floatToRawIntBits(halves[bits]),
                        "half 0x" + Integer.toHexString(bits));
            }
        }

        assertArrayEquals(expected, NpyFormat.read(dir.resolve("v2.npy")).values());
        assertArrayEquals(expected, NpyFormat.read(dir.resolve("v3.npy")).values());

        for (String name : new String[] {"plain.npz", "compressed.npz"}) {
            Map<String, Tensor> npz = TensorFiles.read(dir.resolve(name));
            assertArrayEquals(expected, npz.get("c").values(), name);
            assertArrayEquals(expected, npz.get("fortran").values(), name);
            assertArrayEquals(new long[] {2, 3, 4}, npz.get("fortran").shape(), name);
            assertArrayEquals(new float[] {0.1f, 0.2f}, npz.get("f64").values(), name);
        }
        assertArrayEquals(
                new float[] {7f}, NpzFormat.read(dir.resolve("plain.npz")).get("scalar").values());

        WeightsFormatException objectError =
                org.junit.jupiter.api.Assertions.assertThrows(
                        WeightsFormatException.class,
                        () -> NpyFormat.read(dir.resolve("object.npy")));
        assertTrue(objectError.getMessage().contains("object arrays"), objectError.getMessage());
    }

    @Test
    void numpyReadsWhatJavaWrites() throws Exception {
        float[] values = new float[2 * 3 * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 3f;
        }
        Tensor weight = Tensor.of(values, 2, 3, 4);
        NpyFormat.write(dir.resolve("java.npy"), weight);
        NpyFormat.write(dir.resolve("java_scalar.npy"), Tensor.of(new float[] {-1.25f}));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("layer1.0.conv1.weight", weight);
        tensors.put("fc.bias", Tensor.of(new float[] {1f, Float.NaN, Float.NEGATIVE_INFINITY}, 3));
        tensors.put("empty", Tensor.of(new float[0], 0, 2));
        NpzFormat.write(dir.resolve("java.npz"), tensors);
        NpzFormat.write(dir.resolve("java_compressed.npz"), tensors, true);
        SafetensorsFormat.write(dir.resolve("java.safetensors"), tensors, Map.of("format", "pt"));

        String script =
                String.join(
                        "\n",
                        "import sys, os, io, json, struct",
                        "import numpy as np",
                        "d = sys.argv[1]",
                        "p = lambda name: os.path.join(d, name)",
                        "expected = (np.arange(24, dtype='<f4') * 0.5 - 3).reshape(2, 3, 4)",
                        "a = np.load(p('java.npy'))",
                        "assert a.dtype == np.dtype('<f4') and a.shape == (2, 3, 4), (a.dtype,"
                            + " a.shape)",
                        "assert np.array_equal(a, expected)",
                        "# Byte-identical to what numpy itself writes for the same array.",
                        "buf = io.BytesIO(); np.save(buf, expected)",
                        "assert open(p('java.npy'), 'rb').read() == buf.getvalue(), 'npy bytes"
                            + " differ'",
                        "s = np.load(p('java_scalar.npy'))",
                        "assert s.shape == () and s == np.float32(-1.25)",
                        "for name in ['java.npz', 'java_compressed.npz']:",
                        "    with np.load(p(name)) as z:",
                        "        assert sorted(z.files) == ['empty', 'fc.bias',"
                            + " 'layer1.0.conv1.weight'], z.files",
                        "        assert np.array_equal(z['layer1.0.conv1.weight'], expected)",
                        "        b = z['fc.bias']",
                        "        assert b[0] == 1 and np.isnan(b[1]) and b[2] == -np.inf, b",
                        "        assert z['empty'].shape == (0, 2)",
                        "# safetensors, parsed by hand as the format specifies.",
                        "raw = open(p('java.safetensors'), 'rb').read()",
                        "(n,) = struct.unpack('<Q', raw[:8])",
                        "assert (8 + n) % 8 == 0",
                        "header = json.loads(raw[8:8 + n])",
                        "assert header.pop('__metadata__') == {'format': 'pt'}",
                        "assert list(header) == sorted(header), list(header)",
                        "data = raw[8 + n:]",
                        "end = 0",
                        "for name, info in header.items():",
                        "    assert info['dtype'] == 'F32'",
                        "    b, e = info['data_offsets']",
                        "    assert b == end, (name, b, end)",
                        "    end = e",
                        "    arr = np.frombuffer(data[b:e], dtype='<f4').reshape(info['shape'])",
                        "    if name == 'layer1.0.conv1.weight':",
                        "        assert np.array_equal(arr, expected)",
                        "assert end == len(data)",
                        "print('ok')");
        python(script, dir);
    }
}
