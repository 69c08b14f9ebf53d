/* SPDX-License-Identifier: MIT */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashSet;
import java.util.StringTokenizer;

// Stores the values in an array one too short: the uncaught
// ArrayIndexOutOfBoundsException makes the JVM exit with status 1.
public class OffByOne {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int n = Integer.parseInt(in.readLine().trim());
        StringTokenizer st = new StringTokenizer(in.readLine());
        int[] a = new int[n - 1];
        for (int i = 0; i < n; i++)
            a[i] = Integer.parseInt(st.nextToken());
        HashSet<Integer> seen = new HashSet<>();
        for (int x : a)
            seen.add(x);
        System.out.println(seen.size());
    }
}
