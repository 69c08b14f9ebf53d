auto s = R"d(raw " )" 
)d";
int n = 1'000;
char c = u8'x';
#define X \
  y
