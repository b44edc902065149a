#include "hv/lib/config.h"
#include "unit.h"

static unsigned parse(struct hv_config *c, struct config_result *r, const char *text)
{
	config_defaults(c);
	return config_parse(c, text, strlen(text), r);
}

int main(void)
{
	struct hv_config c;
	struct config_result r;

	/* Defaults: what a user gets with no hv.cfg at all. */
	config_defaults(&c);
	CHECK(c.hypervisor);
	CHECK_EQ_U64(c.serial_port, 0x3f8);
	CHECK_EQ_U64(c.serial_baud, 115200);
	CHECK(c.screen);
	CHECK_STR(c.guest, "");
	CHECK_EQ_U64(c.exception_bitmap, 0);
	CHECK(c.on_triple_fault_reset);

	/* Empty file, comments, blank lines, CRLF. */
	CHECK_EQ_U64(parse(&c, &r, ""), 0);
	CHECK_EQ_U64(parse(&c, &r, "# only a comment\r\n\r\n   \n\t# indented\n"), 0);

	/* Every key, blanks around '=', CRLF line ends. */
	CHECK_EQ_U64(parse(&c, &r,
			   "hypervisor = off\r\n"
			   "serial=com2\n"
			   "  baud =  9600  \n"
			   "screen = no\n"
			   "guest = \\EFI\\hv\\guest.efi\n"
			   "guest_args = console=ttyS0 quiet\n"),
		     0);
	CHECK(!c.hypervisor);
	CHECK_EQ_U64(c.serial_port, 0x2f8);
	CHECK_EQ_U64(c.serial_baud, 9600);
	CHECK(!c.screen);
	CHECK_STR(c.guest, "\\EFI\\hv\\guest.efi");
	CHECK_STR(c.guest_args, "console=ttyS0 quiet");

	CHECK_EQ_U64(parse(&c, &r, "exception_bitmap = 0x4008\non_triple_fault = halt\n"), 0);
	CHECK_EQ_U64(c.exception_bitmap, 0x4008);
	CHECK(!c.on_triple_fault_reset);
	CHECK(!c.ipi_relay);
	CHECK_EQ_U64(parse(&c, &r, "ipi_relay = on\n"), 0);
	CHECK(c.ipi_relay);
	CHECK_EQ_U64(parse(&c, &r, "ipi_relay = maybe\n"), 1);
	CHECK_STR(r.errors[0].message, "expected on or off");
	/* emulator_ports: auto by default, on/off, anything else refused. */
	CHECK_EQ_U64(c.emulator_ports, EMULATOR_PORTS_AUTO);
	CHECK_EQ_U64(parse(&c, &r, "emulator_ports = off\n"), 0);
	CHECK_EQ_U64(c.emulator_ports, EMULATOR_PORTS_OFF);
	CHECK_EQ_U64(parse(&c, &r, "emulator_ports=on\n"), 0);
	CHECK_EQ_U64(c.emulator_ports, EMULATOR_PORTS_ON);
	CHECK_EQ_U64(parse(&c, &r, "emulator_ports = auto\n"), 0);
	CHECK_EQ_U64(c.emulator_ports, EMULATOR_PORTS_AUTO);
	CHECK_EQ_U64(parse(&c, &r, "emulator_ports = bochs\n"), 1);
	CHECK_STR(r.errors[0].message, "expected auto, on or off");
	CHECK_EQ_U64(c.emulator_ports, EMULATOR_PORTS_AUTO);
	/* cpuid_hypervisor_bit: on by default; external_interrupts: exit by
	 * default, guest leaves them to the guest. */
	CHECK(c.cpuid_hypervisor_bit);
	CHECK(!c.interrupts_to_guest);
	CHECK_EQ_U64(parse(&c, &r, "cpuid_hypervisor_bit = off\nexternal_interrupts = guest\n"), 0);
	CHECK(!c.cpuid_hypervisor_bit);
	CHECK(c.interrupts_to_guest);
	CHECK_EQ_U64(parse(&c, &r, "external_interrupts = exit\ncpuid_hypervisor_bit = on\n"), 0);
	CHECK(c.cpuid_hypervisor_bit);
	CHECK(!c.interrupts_to_guest);
	CHECK_EQ_U64(parse(&c, &r, "external_interrupts = off\ncpuid_hypervisor_bit = hidden\n"), 2);
	CHECK_STR(r.errors[0].message, "expected exit or guest");
	CHECK_STR(r.errors[1].message, "expected on or off");
	CHECK(c.cpuid_hypervisor_bit);
	CHECK(!c.interrupts_to_guest);
	CHECK_EQ_U64(parse(&c, &r, "exception_bitmap = 0x100000000\non_triple_fault = explode\n"), 2);
	CHECK_STR(r.errors[1].message, "expected reset or halt");
	CHECK_EQ_U64(c.exception_bitmap, 0);
	CHECK(c.on_triple_fault_reset);
	CHECK_EQ_U64(parse(&c, &r, "stats_interval_ms = 5000\n"), 0);
	CHECK_EQ_U64(c.stats_interval_ms, 5000);
	CHECK_EQ_U64(parse(&c, &r, "stats_interval_ms = 86400001\n"), 1);
	CHECK_EQ_U64(c.stats_interval_ms, 0);
	CHECK_EQ_U64(parse(&c, &r, "serial = COM4\n"), 0);
	CHECK_EQ_U64(c.serial_port, 0x2e8);
	CHECK_EQ_U64(parse(&c, &r, "serial = 0x3e8\n"), 0);
	CHECK_EQ_U64(c.serial_port, 0x3e8);
	/* Last line without a newline still counts. */
	CHECK_EQ_U64(parse(&c, &r, "baud=57600"), 0);
	CHECK_EQ_U64(c.serial_baud, 57600);

	/* Bad lines: named by line number, defaults kept, other lines applied. */
	CHECK_EQ_U64(parse(&c, &r,
			   "# header\n"
			   "frobnicate = 1\n"      /* 2: unknown key */
			   "hypervisor = maybe\n"  /* 3: bad bool */
			   "serial = com9\n"       /* 4: bad port */
			   "baud = 7\n"            /* 5: does not divide 115200 */
			   "just words\n"          /* 6: no '=' */
			   "= value\n"             /* 7: no key */
			   "guest = EFI\\x.efi\n"  /* 8: relative path */
			   "screen = off\n"),
		     7);
	CHECK_EQ_U64(r.errors[0].line, 2);
	CHECK_STR(r.errors[0].message, "unknown key 'frobnicate'");
	CHECK_EQ_U64(r.errors[1].line, 3);
	CHECK_STR(r.errors[1].message, "expected on or off");
	CHECK_EQ_U64(r.errors[2].line, 4);
	CHECK_EQ_U64(r.errors[3].line, 5);
	CHECK_EQ_U64(r.errors[4].line, 6);
	CHECK_STR(r.errors[4].message, "expected 'key = value'");
	CHECK_EQ_U64(r.errors[5].line, 7);
	CHECK_EQ_U64(r.errors[6].line, 8);
	CHECK(c.hypervisor);
	CHECK_EQ_U64(c.serial_port, 0x3f8);
	CHECK_EQ_U64(c.serial_baud, 115200);
	CHECK_STR(c.guest, "");
	CHECK(!c.screen);

	/* Overflowing values and too many errors. */
	CHECK_EQ_U64(parse(&c, &r, "serial = 0xffffffffffffffffff\nbaud = 99999999999999999999999\n"), 2);
	char many[512] = "";
	for (int i = 0; i < 12; i++)
		strcat(many, "bad\n");
	CHECK_EQ_U64(parse(&c, &r, many), 12);
	CHECK_EQ_U64(r.errors[CONFIG_MAX_ERRORS - 1].line, CONFIG_MAX_ERRORS);
	char longpath[400] = "guest = \\";
	memset(longpath + 9, 'a', 300);
	CHECK_EQ_U64(parse(&c, &r, longpath), 1);
	CHECK_STR(r.errors[0].message, "path too long");
	/* Binary junk never crashes and never applies. */
	const char junk[] = { 'g', 'u', 'e', 's', 't', 0, '=', (char)0xff, '\n', 0x01, '=' };
	config_defaults(&c);
	config_parse(&c, junk, sizeof(junk), &r);
	CHECK_STR(c.guest, "");
	return unit_finish("test_config");
}
