def f(a, b):
    """doc
    string"""
    return a ** b  # c

print(rb"\"", f"{1}")
