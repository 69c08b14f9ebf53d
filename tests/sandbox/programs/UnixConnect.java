// SPDX-License-Identifier: MIT
// The JVM's AF_UNIX connect gets an error, not a seccomp kill.
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.net.StandardProtocolFamily;

public class UnixConnect {
    public static void main(String[] args) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of("/tmp/x.sock"));
            System.out.println("CONNECTED");
        } catch (Exception e) {
            System.out.println("refused: " + e.getClass().getSimpleName());
        }
    }
}
