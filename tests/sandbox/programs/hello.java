/* SPDX-License-Identifier: MIT */
import java.util.Scanner;

// The public class may have any name: gavel finds it.
public final class Solution {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(in.nextInt() + in.nextInt());
    }
}
