/* SPDX-License-Identifier: MIT
 * Tries to reach a listener on the host's loopback (port in argv or 127.0.0.1:47123). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        printf("socket failed: %s\n", strerror(errno));
        return 0;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(47123);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        printf("connect failed: %s\n", strerror(errno));
        return 0;
    }
    printf("CONNECTED\n");
    return 0;
}
