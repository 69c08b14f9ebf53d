/* SPDX-License-Identifier: MIT */
import java.io.IOException;
import java.util.Arrays;

// An open-addressing hash set of ints (values are >= 0, so -1 marks an empty
// slot). Simple loops keep the JIT's work, which counts as CPU time, small:
// Arrays.sort alone costs about 200 ms of compilation here.
public class Distinct {
    public static void main(String[] args) throws IOException {
        byte[] in = System.in.readAllBytes();
        int p = 0, n = -1, k = 0, distinct = 0, mask = 0;
        int[] table = null;
        while (p < in.length) {
            while (p < in.length && (in[p] < '0' || in[p] > '9'))
                p++;
            if (p == in.length)
                break;
            int v = 0;
            while (p < in.length && in[p] >= '0' && in[p] <= '9')
                v = v * 10 + (in[p++] - '0');
            if (table == null) {
                n = v;
                table = new int[Integer.highestOneBit(2 * n) * 2];
                Arrays.fill(table, -1);
                mask = table.length - 1;
                continue;
            }
            if (k++ == n)
                break;
            int h = (v * 0x9E3779B1) >>> 8 & mask;
            while (table[h] != -1 && table[h] != v)
                h = (h + 1) & mask;
            if (table[h] == -1) {
                table[h] = v;
                distinct++;
            }
        }
        System.out.println(distinct);
    }
}
