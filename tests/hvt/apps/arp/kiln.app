# ARP for the gateway through platform.h's net calls, for the hvt tests.
name = hvtarp
sources = main.c
libraries = rt
devices = net:net0
