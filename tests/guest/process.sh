# SPDX-License-Identifier: GPL-2.0
# fork/exec, copy-on-write of anonymous memory, pipes and signals.
set -e
procstress 30
# A fork-heavy shell loop: each subshell's result must come back intact.
total=0
i=0
while [ $i -lt 200 ]; do
	total=$((total + $(echo $i | (read x; echo $((x * 3))))))
	i=$((i + 1))
done
[ $total -eq $((3 * 199 * 200 / 2)) ] || { echo "FAIL: fork loop sum $total"; exit 1; }
echo "fork loop: 200 subshell pipelines ok"
