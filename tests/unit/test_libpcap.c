/* test_libpcap.c - libpcap (what tcpdump and most capture tools use) opens a kite capture and sees no packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "testlib.h"

static void libpcap_reads_kite_capture(void **state)
{
	(void)state;
	char path[] = "/tmp/kite-pcap-XXXXXX";
	int fd = mkstemp(path);
	struct kite_writer_opts o = {.chunk_bytes = 4096, .level = 3};
	assert_int_equal(kt_write_capture(fd, 2000, 20, &o, 5), 0);
	close(fd);
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline(path, err);
	if (!p)
		fail_msg("pcap_open_offline: %s", err);
	assert_int_equal(pcap_datalink(p), 147); /* LINKTYPE_USER0: the IDB kite writes */
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(p, &h, &data);
	if (rc != PCAP_ERROR_BREAK) /* -2: end of file; the kite blocks are skipped */
		fail_msg("pcap_next_ex returned %d: %s", rc, pcap_geterr(p));
	pcap_close(p);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(libpcap_reads_kite_capture)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
