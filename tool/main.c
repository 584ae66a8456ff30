/*
 * tool/main.c - kiln, the build front end: command-line parsing and the
 * small commands (new, clean, targets). docs/building.md is the manual.
 */
#include "build.h"
#include "detach.h"
#include "launch.h"
#include "proc.h"
#include "project.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VERSION "0.1.0"

static const char usage_main[] =
        "usage: kiln COMMAND [OPTIONS]\n"
        "\n"
        "Build Kiln unikernels and run them.\n"
        "\n"
        "commands:\n"
        "  build [-t TARGET] [--sanitize] [APPDIR]   build the app's image\n"
        "  run [-t TARGET] [APPDIR] [OPTIONS] [-- BOOTARGS]\n"
        "                                            build, then run it\n"
        "  new [--template hello|http] DIR           start an app in DIR\n"
        "  clean [APPDIR]                            remove APPDIR/_build\n"
        "  targets                                   list the targets\n"
        "  pkg --format libvirt|oci|firecracker [APPDIR]\n"
        "                                            package the virtio image\n"
        "  ps                                        list the detached runs\n"
        "  logs [-f] NAME                            a detached run's output\n"
        "  stop [-t SECONDS] NAME...                 stop detached runs\n"
        "  rm NAME...                                forget exited runs\n"
        "\n"
        "  kiln COMMAND --help    the options of one command\n"
        "  kiln --version         kiln's version\n"
        "\n"
        "The Kiln tree is found from kiln's own location (the parent of its\n"
        "bin/ folder) unless KILN_ROOT names it.\n";

static const char usage_build[] =
        "usage: kiln build [-t TARGET] [--sanitize] [-j N] [-v] [APPDIR]\n"
        "       kiln build [--sanitize | --cross CC] [-j N] [-v] [-q] "
        "PATH/NAME.host\n"
        "\n"
        "Build APPDIR's image (default: the current folder) into\n"
        "APPDIR/_build/TARGET/NAME, or the host program NAME.host describes\n"
        "into _build/host/PATH/NAME/NAME. Only what changed is rebuilt;\n"
        "every compile is listed in _build/compile_commands.json.\n"
        "\n"
        "  -t, --target TARGET  the target (default: hvt when /dev/kvm is\n"
        "                       usable, else unix)\n"
        "  --sanitize           with the target's sanitizers (into\n"
        "                       _build/TARGET-san/; a host program: ASan\n"
        "                       and UBSan, into _build/host-san/)\n"
        "  --cross CC           a host program for another architecture:\n"
        "                       built with CC, static, UBSan trapping for\n"
        "                       the sanitizers (into _build/host-cross/CC/)\n"
        "  -q, --quiet          no line when there is nothing to do\n"
        "  -j, --jobs N         compiles at a time (default: the number of\n"
        "                       CPUs online)\n"
        "  -v, --verbose        show the commands\n"
        "  --tls                with lib/tls and a certificate: http_serve\n"
        "                       serves HTTPS on port 443 too (into\n"
        "                       _build/TARGET-tls/). The certificate is a\n"
        "                       development one for 127.0.0.1 and localhost,\n"
        "                       signed by a local CA, both made on first use\n"
        "                       under $KILN_STATE_HOME (default\n"
        "                       $XDG_STATE_HOME/kiln or ~/.local/state/kiln)\n"
        "  --tls-dir DIR        --tls with DIR's cert.pem and key.pem (PEM)\n"
        "  --tls-disk           with lib/tls but no certificate in the\n"
        "                       image: it reads the certificate chain and\n"
        "                       key (PEM) at boot from the block device the\n"
        "                       boot argument --tls-disk=DEVICE names\n"
        "                       (docs/tls.md); into _build/TARGET-tls/\n"
        "\n"
        "Long options also take the form --name=VALUE.\n";

static const char usage_run[] =
        "usage: kiln run [-t TARGET] [--sanitize] [APPDIR] [OPTIONS] "
        "[-- BOOTARGS]\n"
        "\n"
        "Build APPDIR's image, then run it with the boot arguments. kiln\n"
        "exits with the image's status.\n"
        "\n"
        "  -t, --target TARGET  as for kiln build\n"
        "  --sanitize           as for kiln build\n"
        "  -j, --jobs N, -v     as for kiln build\n"
        "  --tls, --tls-dir DIR as for kiln build; an app forwarding a web\n"
        "                       server gets 127.0.0.1:8443 forwarded to\n"
        "                       its port 443 too\n"
        "  --tls-disk FILE      as kiln build --tls-disk, with FILE (a disk\n"
        "                       image holding the certificate chain and key\n"
        "                       as PEM text, zero-padded to 512-byte\n"
        "                       sectors) as the next block device, named to\n"
        "                       the image by --tls-disk=blk<n>\n"
        "  -p HOST:GUEST[/tcp|/udp|/http]\n"
        "                       forward 127.0.0.1:HOST to the guest's port\n"
        "                       GUEST (user-mode networking); /http also\n"
        "                       prints the URL. Without -p and --net, the\n"
        "                       app's own forwards (its forward key)\n"
        "  --net user           a user-mode network device\n"
        "  --net tap:IFNAME     a network device on tap interface IFNAME\n"
        "  --block PATH         a block device backed by the file PATH\n"
        "  --vchan PEER:PATH    a vchan link to PEER, the unikernel given\n"
        "                       the same rendezvous PATH (unix, hvt)\n"
        "  --mem SIZE           guest memory, e.g. 16M\n"
        "  --machine NAME       the machine, for targets that list some\n"
        "  -d, --detach         run in the background: kiln prints the\n"
        "                       run's name (and the URLs once they answer)\n"
        "                       and exits; see kiln ps, logs, stop\n"
        "  --name NAME          the detached run's name (default: the\n"
        "                       app's, then NAME-2, ...)\n"
        "\n"
        "The n-th --net is device net<n>, the n-th --block blk<n>. An app\n"
        "that declares a net device gets --net user unless told otherwise.\n";

static const char usage_new[] =
        "usage: kiln new [--template hello|http] DIR\n"
        "\n"
        "Create DIR with a kiln.app and a main.c: a starting point that\n"
        "builds and runs as it is. The app is named after DIR's last\n"
        "component, [a-z][a-z0-9_-]*; an existing DIR is never\n"
        "overwritten.\n"
        "\n"
        "  --template hello  prints a greeting and exits (the default)\n"
        "  --template http   an HTTP server with two handlers (/ and\n"
        "                    /hello/{name}): kiln run DIR serves it on\n"
        "                    http://127.0.0.1:8080/ (docs/apps.md)\n";

static const char usage_pkg[] =
        "usage: kiln pkg --format libvirt|oci|firecracker [-o OUT] [APPDIR]\n"
        "                [-p ...] [--net ...] [--block PATH] [--mem SIZE]\n"
        "                [-- BOOTARGS]\n"
        "\n"
        "Build APPDIR's virtio image and package it with the run options\n"
        "(as for kiln run; the app's forwards by default):\n"
        "\n"
        "  --format libvirt     a libvirt domain XML (QEMU, direct kernel\n"
        "                       boot, virtio-net, virtio-blk, serial\n"
        "                       console): virsh define OUT\n"
        "  --format oci         an OCI image layout (a folder) with the\n"
        "                       image and urunc's annotations\n"
        "  --format firecracker a Firecracker configuration (JSON; tap\n"
        "                       networking only)\n"
        "  -o, --output OUT     where (default: APPDIR/_build/virtio/\n"
        "                       NAME.libvirt.xml, NAME.oci, "
        "NAME.firecracker.json)\n";

static const char usage_clean[] = "usage: kiln clean [APPDIR]\n"
                                  "\n"
                                  "Remove APPDIR/_build (default: the "
                                  "current folder's).\n";

static const char usage_targets[] =
        "usage: kiln targets\n"
        "\n"
        "List the targets of the Kiln tree with their descriptions.\n";

static const char *root;

/* The Kiln tree: $KILN_ROOT, else the parent of the folder holding this
 * executable (bin/kiln). */
static void find_root(void)
{
	const char *env = getenv("KILN_ROOT");
	if (env && *env) {
		if (!is_dir(env))
			die(EXIT_USAGE, "KILN_ROOT=%s: no such folder", env);
		root = xrealpath(env);
	} else {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			die(EXIT_USAGE,
			    "cannot find my own location (%s); set KILN_ROOT",
			    strerror(errno));
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0'; /* the folder holding kiln */
		slash = strrchr(exe, '/');
		if (!slash || strcmp(slash, "/bin") != 0)
			die(EXIT_USAGE,
			    "%s is not in a bin/ folder of a Kiln tree; set "
			    "KILN_ROOT",
			    exe);
		*slash = '\0';
		root = xstrdup(exe[0] ? exe : "/");
	}
	char *platform = path_join(root, "platform");
	if (!is_dir(platform))
		die(EXIT_USAGE,
		    "%s does not look like a Kiln tree (no platform/); set "
		    "KILN_ROOT",
		    root);
	free(platform);
	display_set_root(root);
}

_Noreturn static void bad_usage(const char *cmd, const char *fmt,
                                const char *arg)
{
	fflush(stdout);
	fprintf(stderr, "kiln: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see kiln %s--help)\n", cmd ? cmd : "");
	exit(EXIT_USAGE);
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* The options build and run share, and run's own. */
struct cli {
	const char *cmd; /* "build " or "run " for messages */
	const char *appdir;
	const char *target;
	bool sanitize;
	bool tls;
	const char *tls_dir;
	bool tls_disk;
	const char *tls_disk_file; /* kiln run --tls-disk FILE */
	struct build_options build;
	struct launch_options launch;
	bool detach;              /* run -d */
	const char *name;         /* run --name */
	const char *inline_value; /* the VALUE of --name=VALUE */
	bool value_used;
};

/* The value of an option taking one: the next argument. */
static const char *option_value(struct cli *c, int argc, char **argv, int *i)
{
	if (c->inline_value) {
		c->value_used = true;
		return c->inline_value;
	}
	if (*i + 1 >= argc)
		bad_usage(c->cmd, "option %s needs a value", argv[*i]);
	return argv[++*i];
}

static void parse_build_args(struct cli *c, int argc, char **argv, bool run,
                             const char *usage)
{
	/* As many compiles at a time as there are CPUs online. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	c->build.jobs = cpus < 1 ? 1 : cpus > 64 ? 64 : (unsigned)cpus;
	c->launch.url_wait = 60;
	c->launch.check_ports_free = true;
	for (int i = 0; i < argc; i++) {
		/* --name=VALUE is --name VALUE. */
		const char *arg = argv[i];
		const char *eq =
		        strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
		char *a = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
		c->inline_value = eq ? eq + 1 : NULL;
		c->value_used = false;
		if (is_help(a)) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(a, "-t") == 0 || strcmp(a, "--target") == 0) {
			c->target = option_value(c, argc, argv, &i);
		} else if (strcmp(a, "--sanitize") == 0) {
			c->sanitize = true;
		} else if (strcmp(a, "--tls") == 0) {
			c->tls = true;
		} else if (strcmp(a, "--tls-dir") == 0) {
			c->tls = true;
			c->tls_dir = option_value(c, argc, argv, &i);
		} else if (strcmp(a, "--tls-disk") == 0) {
			c->tls = true;
			c->tls_disk = true;
			if (run)
				c->tls_disk_file =
				        option_value(c, argc, argv, &i);
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
			const char *v = option_value(c, argc, argv, &i);
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 64)
				bad_usage(c->cmd, "-j takes 1 to 64, not '%s'",
				          v);
			c->build.jobs = (unsigned)n;
		} else if (!run && strcmp(a, "--cross") == 0) {
			c->build.cross = option_value(c, argc, argv, &i);
		} else if (!run && (strcmp(a, "-q") == 0 ||
		                    strcmp(a, "--quiet") == 0)) {
			c->build.quiet = true;
		} else if (strcmp(a, "-v") == 0 ||
		           strcmp(a, "--verbose") == 0) {
			c->build.verbose = true;
		} else if (run && strcmp(a, "-p") == 0) {
			const char *v = option_value(c, argc, argv, &i);
			struct launch_forward f;
			char *what = xasprintf("-p %s", v);
			launch_parse_forward(v, what, &f);
			free(what);
			sv_push(&c->launch.forwards, v);
		} else if (run && strcmp(a, "--url-wait") == 0) {
			const char *v = option_value(c, argc, argv, &i);
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || end == v || n < 1 || n > 3600)
				bad_usage(c->cmd,
				          "--url-wait takes 1 to 3600 seconds, "
				          "not '%s'",
				          v);
			c->launch.url_wait = (unsigned)n;
		} else if (run && strcmp(a, "--net") == 0) {
			launch_add_net(&c->launch,
			               option_value(c, argc, argv, &i));
		} else if (run && strcmp(a, "--block") == 0) {
			const char *v = option_value(c, argc, argv, &i);
			if (!*v || strchr(v, ','))
				bad_usage(c->cmd,
				          "--block %s: a path without commas, "
				          "please",
				          v);
			sv_push(&c->launch.blocks, v);
		} else if (run && strcmp(a, "--vchan") == 0) {
			launch_add_vchan(&c->launch,
			                 option_value(c, argc, argv, &i));
		} else if (run && strcmp(a, "--mem") == 0) {
			const char *v = option_value(c, argc, argv, &i);
			if (!launch_valid_mem(v))
				bad_usage(c->cmd,
				          "--mem takes a size such as 16M, not "
				          "'%s'",
				          v);
			c->launch.mem = v;
		} else if (run && (strcmp(a, "-d") == 0 ||
		                   strcmp(a, "--detach") == 0)) {
			c->detach = true;
		} else if (run && strcmp(a, "--name") == 0) {
			c->name = option_value(c, argc, argv, &i);
		} else if (run && strcmp(a, "--machine") == 0) {
			c->launch.machine = option_value(c, argc, argv, &i);
		} else if (run && strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				sv_push(&c->launch.args, argv[i]);
		} else if (a[0] == '-') {
			bad_usage(c->cmd, "unknown option '%s'", arg);
		} else if (c->appdir) {
			bad_usage(c->cmd, "one APPDIR only ('%s' is a second)",
			          a);
		} else {
			c->appdir = arg;
		}
		if (c->inline_value && !c->value_used)
			bad_usage(c->cmd, "option %s takes no value", a);
		free(a);
	}
	if (!c->appdir)
		c->appdir = ".";
	if (c->tls_disk && c->tls_dir)
		bad_usage(c->cmd, "%s",
		          "--tls-disk and --tls-dir: one of them");
}

/* kiln run --tls-disk FILE: FILE as the next block device, and the boot
 * argument naming it. Its text must fit whole sectors (a launcher rounds
 * a disk down to them). */
static void tls_disk_attach(struct cli *c)
{
	const char *f = c->tls_disk_file;
	struct stat st;
	if (stat(f, &st) != 0 || !S_ISREG(st.st_mode))
		die(EXIT_USAGE, "--tls-disk %s: %s", f,
		    stat(f, &st) != 0 ? strerror(errno) : "not a file");
	if (st.st_size == 0 || st.st_size % 512 != 0 || st.st_size > 64 * 1024)
		die(EXIT_USAGE,
		    "--tls-disk %s: %lld bytes; a TLS disk is 512 bytes to 64 "
		    "KiB, whole 512-byte sectors (make one with: cat cert.pem "
		    "key.pem > FILE; truncate -s %%512 FILE)",
		    f, (long long)st.st_size);
	if (strchr(f, ','))
		die(EXIT_USAGE, "--tls-disk %s: a path without commas, please",
		    f);
	sv_pushf(&c->launch.args, "--tls-disk=blk%zu", c->launch.blocks.n);
	sv_push(&c->launch.blocks, f);
}

/* The credentials folder of --tls: DIR's, or the development CA's server
 * certificate, made on first use by scripts/tls-dev-cert.sh (which
 * prints how to trust the CA when it makes it). *note: what kiln run
 * prints with the URLs. */
static void check_wolfssl(void)
{
	char *deps = path_join(root, "_deps/wolfssl-5.5.4");
	if (!is_dir(deps))
		die(EXIT_USAGE,
		    "--tls: lib/tls needs wolfSSL's source in %s; run "
		    "scripts/deps.sh (it fetches Debian's source package)",
		    display_path(deps));
	free(deps);
}

static char *tls_credentials(const char *dir, char **note)
{
	check_wolfssl();
	*note = NULL;
	if (dir) {
		char *cert = path_join(dir, "cert.pem");
		char *key = path_join(dir, "key.pem");
		if (!is_file(cert) || !is_file(key))
			die(EXIT_USAGE,
			    "--tls-dir %s: needs cert.pem and key.pem", dir);
		free(cert);
		free(key);
		return xrealpath(dir);
	}
	char *state = detach_state_home("--tls");
	char *tls = path_join(state, "tls");
	char *script = path_join(root, "scripts/tls-dev-cert.sh");
	char *argv[] = {"/bin/sh", script, tls, NULL};
	int status = proc_run(argv, NULL);
	if (!proc_ok(status))
		die(EXIT_BUILD, "%s %s", display_path(script),
		    proc_describe(status));
	*note = xasprintf("TLS: a development certificate for 127.0.0.1 and "
	                  "localhost; trust its CA with\n"
	                  "  curl --cacert %s/ca.pem https://127.0.0.1:8443/\n"
	                  "  or add %s/ca.pem to the browser's authorities\n",
	                  tls, tls);
	char *server = path_join(tls, "server");
	free(script);
	free(tls);
	free(state);
	return server;
}

static int cmd_build(int argc, char **argv, bool run)
{
	struct cli c = {.cmd = run ? "run " : "build "};
	parse_build_args(&c, argc, argv, run, run ? usage_run : usage_build);
	find_root();
	size_t al = strlen(c.appdir);
	if (!run && al > 5 && strcmp(c.appdir + al - 5, ".host") == 0) {
		if (!is_file(c.appdir))
			die(EXIT_USAGE, "%s: no such file", c.appdir);
		c.build.sanitize = c.sanitize;
		build_host(root, c.appdir, &c.build);
		return 0;
	}
	if (c.build.cross)
		bad_usage(c.cmd, "%s",
		          "--cross is for host programs (PATH/NAME.host)");
	char *tls_dir = NULL, *note = NULL;
	if (c.tls_disk) {
		tls_dir = xstrdup("");
		check_wolfssl();
		if (run)
			tls_disk_attach(&c);
	} else if (c.tls) {
		tls_dir = tls_credentials(c.tls_dir, &note);
	}
	c.launch.tls = c.tls;
	c.launch.tls_note = note;
	struct project p;
	project_load(&p, root, c.appdir, c.target, c.sanitize, tls_dir);
	c.build.quiet |= run;
	/* The launch command is checked before building, so that a mistake
	 * in it is reported at once. */
	struct strvec launch = {0};
	if (run)
		launch_argv(&p, &c.launch, &launch);
	if (c.name && !c.detach)
		bad_usage(c.cmd, "%s", "--name is for detached runs (-d)");
	char *name = c.detach ? detach_claim(c.name, p.name) : NULL;
	build_image(&p, &c.build);
	if (name)
		return detach_start(name, &p, &c.launch, &launch,
		                    c.build.verbose);
	if (run)
		launch_exec(&c.launch, &launch, c.build.verbose);
	return 0;
}

static int cmd_pkg(int argc, char **argv)
{
	const char *format = NULL, *out = NULL;
	struct strvec rest = {0};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (; i < argc; i++)
				sv_push(&rest, argv[i]);
			break;
		}
		if (is_help(a)) {
			fputs(usage_pkg, stdout);
			return 0;
		}
		const char **dst = NULL;
		if (strcmp(a, "--format") == 0)
			dst = &format;
		else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			dst = &out;
		if (dst) {
			if (i + 1 >= argc)
				bad_usage("pkg ", "option %s needs a value", a);
			*dst = argv[++i];
		} else if (strncmp(a, "--format=", 9) == 0) {
			format = a + 9;
		} else if (strncmp(a, "--output=", 9) == 0) {
			out = a + 9;
		} else {
			sv_push(&rest, a);
		}
	}
	if (!format)
		bad_usage("pkg ", "%s",
		          "--format is needed (libvirt, oci or firecracker)");
	const char *ext = strcmp(format, "libvirt") == 0 ? "libvirt.xml"
	                  : strcmp(format, "oci") == 0   ? "oci"
	                  : strcmp(format, "firecracker") == 0
	                          ? "firecracker.json"
	                          : NULL;
	if (!ext)
		bad_usage("pkg ",
		          "unknown format '%s' (libvirt, oci or firecracker)",
		          format);
	struct cli c = {.cmd = "pkg "};
	parse_build_args(&c, (int)rest.n, rest.v, true, usage_pkg);
	if (c.detach || c.name || c.launch.vchans.n > 0)
		bad_usage("pkg ", "%s",
		          "-d, --name and --vchan are for kiln run");
	if (c.target && strcmp(c.target, "virtio") != 0)
		bad_usage("pkg ", "packages are of the virtio image, not '%s'",
		          c.target);
	c.launch.check_ports_free = false;
	find_root();
	struct project p;
	project_load(&p, root, c.appdir, "virtio", c.sanitize, NULL);
	struct strvec launch = {0};
	launch_argv(&p, &c.launch, &launch);
	c.build.quiet = true;
	build_image(&p, &c.build);
	char *output = out ? xstrdup(out)
	                   : xasprintf("%s/%s.%s", p.build, p.name, ext);
	char *script = path_join(root, "platform/virtio/pkg");
	struct strvec cmd = {0};
	sv_push(&cmd, script);
	sv_push(&cmd, "--format");
	sv_push(&cmd, format);
	sv_push(&cmd, "--out");
	sv_push(&cmd, output);
	sv_push(&cmd, "--name");
	sv_push(&cmd, p.name);
	/* The launch template's {opts} and {args}: the words between the
	 * launcher and the image, then "--" and the boot arguments. */
	for (size_t i = 1; i < launch.n; i++) {
		if (strcmp(launch.v[i], p.image) == 0)
			sv_pushf(&cmd, "%s.stripped", p.image);
		else
			sv_push(&cmd, launch.v[i]);
	}
	fflush(stdout);
	execv(script, cmd.v);
	die(EXIT_BUILD, "cannot run %s: %s", script, strerror(errno));
}

static void write_new(const char *dir, const char *name, const char *text)
{
	char *path = path_join(dir, name);
	if (!write_file(path, text, strlen(text)))
		die(EXIT_BUILD, "cannot write %s: %s", path, strerror(errno));
	free(path);
}

/* The http template's main.c; NAME stands for the app's name. */
static const char http_main[] =
        "/*\n"
        " * NAME - an HTTP app: kiln_main() adds its routes, then serves them\n"
        " * (docs/apps.md is the guide; include/kiln/http.h the reference).\n"
        " *\n"
        " *   GET /               a greeting\n"
        " *   GET /hello/{name}   {\"hello\":\"NAME\"} as JSON\n"
        " *\n"
        " * Boot arguments: those of http_app_init (--port=N, --http-log=off,\n"
        " * ...) and the network's.\n"
        " */\n"
        "#include <kiln/http.h>\n"
        "#include <stdio.h>\n"
        "\n"
        "static struct http_app app;\n"
        "\n"
        "static int home(struct http_exchange *x, void *arg)\n"
        "{\n"
        "\tstatic const char text[] = \"Hello from NAME!\\n\";\n"
        "\t(void)arg;\n"
        "\treturn http_reply(x, 200, \"text/plain; charset=utf-8\", text,\n"
        "\t                  sizeof text - 1);\n"
        "}\n"
        "\n"
        "static int hello(struct http_exchange *x, void *arg)\n"
        "{\n"
        "\tchar name[64], out[96];\n"
        "\t(void)arg;\n"
        "\t/* Letters and digits only: the name goes into JSON as it is. */\n"
        "\tif (!http_param(x, \"name\", name, sizeof name))\n"
        "\t\treturn http_reply_status(x, 400);\n"
        "\tfor (const char *p = name; *p; p++)\n"
        "\t\tif (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||\n"
        "\t\t      (*p >= '0' && *p <= '9')))\n"
        "\t\t\treturn http_reply_status(x, 400);\n"
        "\tint n = snprintf(out, sizeof out, "
        "\"{\\\"hello\\\":\\\"%s\\\"}\\n\", name);\n"
        "\treturn http_reply(x, 200, \"application/json\", out, (size_t)n);\n"
        "}\n"
        "\n"
        "int kiln_main(int argc, char **argv)\n"
        "{\n"
        "\t(void)argc;\n"
        "\t(void)argv;\n"
        "\tint st = http_app_init(&app, \"NAME\", NULL);\n"
        "\tif (st)\n"
        "\t\treturn st;\n"
        "\thttp_route(&app.config, HTTP_GET, \"/\", home, NULL);\n"
        "\thttp_route(&app.config, HTTP_GET, \"/hello/{name}\", hello, NULL);\n"
        "\treturn http_app_run(&app);\n"
        "}\n";

/* text with every "NAME" replaced by name (malloc'd). */
static char *with_name(const char *text, const char *name)
{
	size_t n = 0, nl = strlen(name);
	for (const char *p = text; (p = strstr(p, "NAME")); p += 4)
		n++;
	char *out = malloc(strlen(text) + n * nl + 1), *o = out;
	if (!out)
		die(EXIT_BUILD, "%s", "out of memory");
	for (const char *p = text;;) {
		const char *q = strstr(p, "NAME");
		if (!q) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, name, nl);
		o += nl;
		p = q + 4;
	}
	return out;
}

static int cmd_new(int argc, char **argv)
{
	if (argc == 1 && is_help(argv[0])) {
		fputs(usage_new, stdout);
		return 0;
	}
	const char *template = "hello";
	if (argc >= 1 && strncmp(argv[0], "--template=", 11) == 0) {
		template = argv[0] + 11;
		argc--;
		argv++;
	} else if (argc >= 2 && strcmp(argv[0], "--template") == 0) {
		template = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (strcmp(template, "hello") != 0 && strcmp(template, "http") != 0)
		bad_usage("new ", "unknown template '%s' (hello or http)",
		          template);
	if (argc != 1)
		bad_usage("new ", "%s", "new takes one DIR");
	const char *dir = argv[0];
	if (dir[0] == '-')
		bad_usage("new ", "unknown option '%s'", dir);
	/* The app's name: DIR's last component. */
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	size_t start = dl;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	char *name = xasprintf("%.*s", (int)(dl - start), dir + start);
	if (!desc_valid_name(name))
		die(EXIT_USAGE, "bad name '%s': use [a-z][a-z0-9_-]*", name);
	if (mkdir(dir, 0755) != 0) {
		if (errno == EEXIST)
			die(EXIT_USAGE, "%s already exists; not overwriting it",
			    dir);
		die(EXIT_BUILD, "cannot create %s: %s", dir, strerror(errno));
	}
	bool http = strcmp(template, "http") == 0;
	char *app = xasprintf("# The app's manifest: see docs/building.md.\n"
	                      "name = %s\n"
	                      "sources = main.c\n"
	                      "libraries = %s\n"
	                      "%s",
	                      name, http ? "http net" : "rt",
	                      http ? "devices = net:net0\n"
	                             "# kiln run forwards 127.0.0.1:8080 to "
	                             "port 80 and prints the URL.\n"
	                             "forward = 8080:80/http\n"
	                           : "");
	write_new(dir, "kiln.app", app);
	free(app);
	if (http) {
		char *text = with_name(http_main, name);
		write_new(dir, "main.c", text);
		free(text);
	} else {
		write_new(dir, "main.c",
		          "/*\n"
		          " * A Kiln app: kiln_main() runs on the first fiber; "
		          "the\n"
		          " * unikernel exits with what it returns.\n"
		          " */\n"
		          "#include <kiln/rt.h>\n"
		          "\n"
		          "int kiln_main(int argc, char **argv)\n"
		          "{\n"
		          "\t(void)argc;\n"
		          "\tkiln_args_check(); /* no boot arguments are known "
		          "*/\n"
		          "\tkiln_printf(\"Hello from %s!\\n\", argv[0]);\n"
		          "\treturn 0;\n"
		          "}\n");
	}
	printf("kiln: created %s/ (build and run it with: kiln run %s)\n", dir,
	       dir);
	free(name);
	return 0;
}

static int cmd_clean(int argc, char **argv)
{
	const char *dir = ".";
	if (argc >= 1 && is_help(argv[0])) {
		fputs(usage_clean, stdout);
		return 0;
	}
	if (argc > 1)
		bad_usage("clean ", "%s", "clean takes at most one APPDIR");
	if (argc == 1) {
		if (argv[0][0] == '-')
			bad_usage("clean ", "unknown option '%s'", argv[0]);
		dir = argv[0];
	}
	char *app = path_join(dir, "kiln.app");
	if (!is_file(app))
		die(EXIT_USAGE, "%s: not an app folder (no kiln.app)", dir);
	char *build = path_join(dir, "_build");
	if (is_dir(build) && !remove_tree(build))
		die(EXIT_BUILD, "cannot remove %s: %s", build, strerror(errno));
	free(build);
	free(app);
	return 0;
}

static int cmd_targets(int argc, char **argv)
{
	if (argc >= 1 && is_help(argv[0])) {
		fputs(usage_targets, stdout);
		return 0;
	}
	if (argc > 0)
		bad_usage("targets ", "unexpected argument '%s'", argv[0]);
	find_root();
	struct strvec names = {0};
	targets_list(root, &names);
	for (size_t i = 0; i < names.n; i++) {
		struct target t;
		target_load(&t, root, names.v[i]);
		const struct desc_field *f = desc_get(&t.desc, "description");
		printf("%-10s", t.name);
		for (size_t j = 0; f && j < f->nwords; j++)
			printf(" %s", f->words[j]);
		printf("\n");
		desc_free(&t.desc);
	}
	sv_free(&names);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	int n = argc - 2;
	char **rest = argv + 2;
	if (is_help(cmd) || strcmp(cmd, "help") == 0) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("kiln %s\n", VERSION);
		return 0;
	}
	if (strcmp(cmd, "build") == 0)
		return cmd_build(n, rest, false);
	if (strcmp(cmd, "run") == 0)
		return cmd_build(n, rest, true);
	if (strcmp(cmd, "new") == 0)
		return cmd_new(n, rest);
	if (strcmp(cmd, "clean") == 0)
		return cmd_clean(n, rest);
	if (strcmp(cmd, "targets") == 0)
		return cmd_targets(n, rest);
	if (strcmp(cmd, "pkg") == 0)
		return cmd_pkg(n, rest);
	if (strcmp(cmd, "ps") == 0)
		return cmd_ps(n, rest);
	if (strcmp(cmd, "logs") == 0)
		return cmd_logs(n, rest);
	if (strcmp(cmd, "stop") == 0)
		return cmd_stop(n, rest);
	if (strcmp(cmd, "rm") == 0)
		return cmd_rm(n, rest);
	if (cmd[0] == '-')
		bad_usage(NULL, "unknown option '%s'", cmd);
	bad_usage(NULL, "unknown command '%s'", cmd);
}
