// SPDX-License-Identifier: GPL-2.0
/*
 * ASI's mitigation actions: what a CPU runs when it exits (it is about to
 * touch sensitive memory, so predictions trained in the restricted space
 * must not steer it: IBPB) and when it re-enters after an exit (sensitive
 * data may sit in the L1D and CPU buffers, where user code could sample
 * it: L1D flush and VERW).  Actions the CPU lacks are dropped at boot, and
 * said so.
 */
#define pr_fmt(fmt)	"ASI: " fmt

#include <linux/cpufeature.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "asi_internal.h"

static const char * const asi_action_names[] = { "ibpb", "l1d", "verw" };

unsigned int asi_exit_actions __ro_after_init = ASI_ACTION_IBPB;
unsigned int asi_reenter_actions __ro_after_init =
	ASI_ACTION_L1D | ASI_ACTION_VERW;

static int __init asi_parse_actions(const char *param, char *arg,
				    unsigned int *actions)
{
	unsigned int mask = 0;
	char *tok;
	int i;

	if (!arg)
		goto bad;
	while ((tok = strsep(&arg, ",")) != NULL) {
		if (!strcmp(tok, "none"))
			continue;
		for (i = 0; i < ARRAY_SIZE(asi_action_names); i++)
			if (!strcmp(tok, asi_action_names[i]))
				break;
		if (i == ARRAY_SIZE(asi_action_names))
			goto bad;
		mask |= BIT(i);
	}
	*actions = mask;
	return 0;
bad:
	pr_warn("%s=: unknown action (use none, ibpb, l1d, verw); keeping the default\n",
		param);
	return 0;
}

static int __init asi_parse_exit_actions(char *arg)
{
	return asi_parse_actions("asi_exit_actions", arg, &asi_exit_actions);
}
early_param("asi_exit_actions", asi_parse_exit_actions);

static int __init asi_parse_reenter_actions(char *arg)
{
	return asi_parse_actions("asi_reenter_actions", arg,
				 &asi_reenter_actions);
}
early_param("asi_reenter_actions", asi_parse_reenter_actions);

unsigned int asi_exit_action_mask(void)
{
	return asi_exit_actions;
}

unsigned int asi_reenter_action_mask(void)
{
	return asi_reenter_actions;
}

/* "none", or the action names joined by commas. */
static char *asi_actions_str(unsigned int actions, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(asi_action_names); i++)
		if (actions & BIT(i))
			len += scnprintf(buf + len, size - len, "%s%s",
					 len ? "," : "", asi_action_names[i]);
	if (!len)
		strscpy(buf, "none", size);
	return buf;
}

void asi_format_actions(struct seq_file *m, unsigned int actions)
{
	char buf[32];

	seq_puts(m, asi_actions_str(actions, buf, sizeof(buf)));
}

static unsigned int __init asi_available_actions(unsigned int actions,
						 const char *when)
{
	static const int need[] = {
		X86_FEATURE_IBPB, X86_FEATURE_FLUSH_L1D, X86_FEATURE_MD_CLEAR,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(need); i++) {
		if ((actions & BIT(i)) && !boot_cpu_has(need[i])) {
			pr_info("%s action %s: not offered by this CPU, dropped\n",
				when, asi_action_names[i]);
			actions &= ~BIT(i);
		}
	}
	return actions;
}

/* Drop the actions this CPU lacks, and say which are left. */
void __init asi_actions_init(void)
{
	char exit_buf[32], reenter_buf[32];

	asi_exit_actions = asi_available_actions(asi_exit_actions, "exit");
	asi_reenter_actions = asi_available_actions(asi_reenter_actions,
						    "re-entry");
	pr_info("actions on exit: %s; on re-entry: %s\n",
		asi_actions_str(asi_exit_actions, exit_buf, sizeof(exit_buf)),
		asi_actions_str(asi_reenter_actions, reenter_buf,
				sizeof(reenter_buf)));
}
