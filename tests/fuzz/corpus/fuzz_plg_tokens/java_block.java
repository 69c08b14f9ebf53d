class A {
  @Override public String s() { return """
    block \""" x
    """; }
  int x = 0b1010_1010 >>>= 2;
}
