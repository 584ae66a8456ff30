# A vchan client that breaks the protocol on purpose (tests/vchan/test-xen.sh):
# it connects to a server like a client, then writes garbage into its ring
# index and waits for the server to close the channel.
name = vchan-hostile
sources = main.c
libraries = rt
