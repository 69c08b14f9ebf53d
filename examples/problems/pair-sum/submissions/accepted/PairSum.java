/* SPDX-License-Identifier: MIT */
import java.io.DataInputStream;
import java.io.IOException;

// Remembers the last position of every value in an open-addressing hash
// table of primitives: prints yet another valid pair.
public class PairSum {
    private static final DataInputStream in = new DataInputStream(System.in);
    private static final byte[] buf = new byte[1 << 16];
    private static int len = 0, pos = 0;

    private static int read() throws IOException {
        if (pos == len) {
            len = in.read(buf, 0, buf.length);
            pos = 0;
            if (len <= 0)
                return -1;
        }
        return buf[pos++];
    }

    private static long nextLong() throws IOException {
        int c = read();
        while (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            c = read();
        boolean neg = c == '-';
        if (neg)
            c = read();
        long v = 0;
        while (c >= '0' && c <= '9') {
            v = v * 10 + (c - '0');
            c = read();
        }
        return neg ? -v : v;
    }

    public static void main(String[] args) throws IOException {
        int n = (int) nextLong();
        long t = nextLong();
        int cap = Integer.highestOneBit(4 * n);
        long[] keys = new long[cap];
        int[] where = new int[cap]; // 0 = empty slot
        for (int j = 1; j <= n; j++) {
            long x = nextLong();
            for (int h = slot(t - x, cap); where[h] != 0; h = (h + 1) & (cap - 1))
                if (keys[h] == t - x) {
                    System.out.println(j + " " + where[h]);
                    return;
                }
            int h = slot(x, cap);
            while (where[h] != 0 && keys[h] != x)
                h = (h + 1) & (cap - 1);
            keys[h] = x;
            where[h] = j;
        }
        System.out.println(-1);
    }

    private static int slot(long v, int cap) {
        return (int) ((v * 0x9E3779B97F4A7C15L) >>> 40) & (cap - 1);
    }
}
