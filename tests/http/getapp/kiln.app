# httpget - fetches each URL given as a boot argument with lib/http's
# client and prints status, length, content type and an FNV-1a hash of the
# body (used by tests/http/test-client.sh).
name = httpget
sources = main.c
libraries = http net
devices = net:net0
