/* SPDX-License-Identifier: MIT
 * ProcessBuilder execs a program (through jspawnhelper): a second execve. */
public class ProcessExec {
    public static void main(String[] args) throws Exception {
        System.out.println("before");
        System.out.flush();
        Process p = new ProcessBuilder("/bin/echo", "PWNED").inheritIO().start();
        System.out.println("exit " + p.waitFor());
    }
}
