// Contest template shared by a whole team: every solution starts from it.
#include <bits/stdc++.h>
using namespace std;
typedef long long ll;
typedef vector<int> vi;
#define rep(i, a, b) for (int i = (a); i < (b); ++i)
#define all(x) (x).begin(), (x).end()

static char buf[1 << 16];
static int buf_len = 0, buf_pos = 0;

int read_char() {
    if (buf_pos == buf_len) {
        buf_len = (int)fread(buf, 1, sizeof(buf), stdin);
        buf_pos = 0;
        if (buf_len <= 0) return -1;
    }
    return buf[buf_pos++];
}

ll read_int() {
    int c = read_char();
    while (c != '-' && (c < '0' || c > '9')) c = read_char();
    bool neg = false;
    if (c == '-') { neg = true; c = read_char(); }
    ll x = 0;
    while (c >= '0' && c <= '9') { x = x * 10 + (c - '0'); c = read_char(); }
    return neg ? -x : x;
}

ll gcd_ll(ll a, ll b) { return b == 0 ? a : gcd_ll(b, a % b); }

ll power_mod(ll b, ll e, ll m) {
    ll r = 1 % m;
    b %= m;
    while (e > 0) {
        if (e & 1) r = r * b % m;
        b = b * b % m;
        e >>= 1;
    }
    return r;
}
