#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ws_ping.py HOST PORT - open /ws with subprotocol gavel.v1, send a ping,
print the reply. Standard library only: a minimal RFC 6455 client."""
import base64, json, os, socket, struct, sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((host, port), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
           f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: gavel.v1\r\n\r\n").encode())
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit("connection closed during the handshake")
    head += chunk
if not head.startswith(b"HTTP/1.1 101"):
    sys.exit("upgrade refused: " + head.split(b"\r\n")[0].decode())
payload = json.dumps({"type": "ping", "id": 42}).encode()
mask = os.urandom(4)
s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask +
          bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
buf = head.split(b"\r\n\r\n", 1)[1]
while len(buf) < 2:
    buf += s.recv(4096)
length, off = buf[1] & 0x7f, 2
if length == 126:
    while len(buf) < 4:
        buf += s.recv(4096)
    length, off = struct.unpack("!H", buf[2:4])[0], 4
while len(buf) < off + length:
    buf += s.recv(4096)
print(buf[off:off + length].decode())
