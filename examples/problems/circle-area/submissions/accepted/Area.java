/* SPDX-License-Identifier: MIT */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StreamTokenizer;

public class Area {
    // Fixed-point with 9 decimals; String.format is slow to warm up.
    static void appendFixed(StringBuilder sb, double x) {
        long scaled = Math.round(x * 1e9);
        String frac = Long.toString(scaled % 1_000_000_000L);
        sb.append(scaled / 1_000_000_000L).append('.');
        for (int k = frac.length(); k < 9; k++)
            sb.append('0');
        sb.append(frac).append('\n');
    }

    public static void main(String[] args) throws Exception {
        StreamTokenizer st = new StreamTokenizer(new BufferedReader(new InputStreamReader(System.in)));
        st.resetSyntax();
        st.wordChars('!', '~');
        st.whitespaceChars(0, ' ');
        st.nextToken();
        int n = Integer.parseInt(st.sval);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            st.nextToken();
            double r = Double.parseDouble(st.sval);
            appendFixed(out, Math.PI * r * r);
        }
        System.out.print(out);
    }
}
