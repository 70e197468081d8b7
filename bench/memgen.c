/*
 * memgen: a stream of N distinct state entries for signetd's memory
 * benchmark, written to stdout fast enough that 10M entries need no file.
 *
 *	memgen facts|groups N
 *
 * facts:  N MDE DeviceFileCertificateInfo records, unsigned, each a
 *         (device, sha1) of its own: N bad signature facts.
 * groups: N MDE DeviceNetworkEvents records that qualify (ConnectionSuccess
 *         to a public address, pid 4242), each with a sha1 of its own and
 *         no fact: N waiting groups (each with its own key).
 *
 * 1000 devices; event times 1 ms apart from 2024-03-01T00:00:00Z, so 10M
 * entries span under 3 h and nothing reaches a 24 h window's end.
 *
 * After the last line the output is flushed, "memgen: done N bytes B" goes
 * to stderr, and memgen waits to be killed: the pipe stays open and the
 * reader's memory can be measured while it holds everything.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NDEVICES	1000

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

static void
stamp(char *ts, size_t len, uint64_t i)
{
	uint64_t	 s = i / 1000;

	snprintf(ts, len, "2024-03-01T%02u:%02u:%02u.%03uZ",
	    (unsigned)(s / 3600), (unsigned)(s / 60 % 60), (unsigned)(s % 60),
	    (unsigned)(i % 1000));
}

int
main(int argc, char *argv[])
{
	static char	 obuf[1 << 20];
	char		 ts[32];
	uint64_t	 i, n, bytes = 0;
	int		 facts, w;

	if (argc != 3 || (strcmp(argv[1], "facts") != 0 &&
	    strcmp(argv[1], "groups") != 0)) {
		fprintf(stderr, "usage: memgen facts|groups N\n");
		return (2);
	}
	facts = strcmp(argv[1], "facts") == 0;
	n = strtoull(argv[2], NULL, 10);
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	for (i = 0; i < n; i++) {
		stamp(ts, sizeof(ts), i);
		if (facts)
			w = printf("{\"category\":\"AdvancedHunting-"
			    "DeviceFileCertificateInfo\",\"properties\":{"
			    "\"Timestamp\":\"%s\",\"DeviceId\":\"%040llx\","
			    "\"SHA1\":\"%016llx%024llx\",\"IsSigned\":false,"
			    "\"IsTrusted\":false,\"Signer\":\"\","
			    "\"Issuer\":\"\"}}\n", ts,
			    (unsigned long long)mix(i % NDEVICES),
			    (unsigned long long)mix(i),
			    (unsigned long long)i);
		else
			w = printf("{\"category\":\"AdvancedHunting-"
			    "DeviceNetworkEvents\",\"properties\":{"
			    "\"Timestamp\":\"%s\",\"DeviceId\":\"%040llx\","
			    "\"ActionType\":\"ConnectionSuccess\","
			    "\"RemoteIP\":\"81.2.69.142\",\"RemotePort\":443,"
			    "\"Protocol\":\"Tcp\",\"InitiatingProcessId\":4242,"
			    "\"InitiatingProcessSHA1\":\"%016llx%024llx\","
			    "\"InitiatingProcessFolderPath\":"
			    "\"c:\\\\users\\\\u\\\\m%llx.exe\"}}\n", ts,
			    (unsigned long long)mix(i % NDEVICES),
			    (unsigned long long)mix(i),
			    (unsigned long long)i, (unsigned long long)i);
		if (w < 0)
			return (1);
		bytes += w;
	}
	if (fflush(stdout) == EOF)
		return (1);
	fprintf(stderr, "memgen: done %llu bytes %llu\n",
	    (unsigned long long)n, (unsigned long long)bytes);
	for (;;)
		pause();
}
