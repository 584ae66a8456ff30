# Test app: platform_entropy() on a target (tests/entropy/test-entropy.sh).
name = entropy
sources = main.c
libraries = rt
