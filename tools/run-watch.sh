# The watch loop of the emulator runners (run-bochs.sh, run-qemu.sh), sourced
# by them. watch_emulator PID LOG TIMEOUT QUIET UNTIL [FILE2 UNTIL2] watches an
# emulator started with `setsid ... &` (PID is its session): it prints LOG live
# unless QUIET is 1, and ends the emulator's whole session when a line of LOG
# matches UNTIL, a line of FILE2 matches UNTIL2 (the emulator's own log), or
# TIMEOUT seconds have passed. The emulator never outlives the runner: a trap
# ends its session if the runner exits, is interrupted or terminated.
# Sets
#   watch_status  until | until2 | timeout, or empty when the emulator ended
#   watch_exit    the emulator's exit status when it ended by itself
#   watch_seconds the seconds the run took
# An empty UNTIL or UNTIL2 is never matched.

watch_matches() { # FILE REGEX
	[ -n "$2" ] && grep -qaE -- "$2" "$1" 2>/dev/null
}

watch_emulator() {
	local pid=$1 log=$2 timeout=$3 quiet=$4 until=$5 file2=${6:-} until2=${7:-} tailpid= start=$SECONDS
	trap "kill -KILL -- -$pid 2>/dev/null" EXIT INT TERM
	if [ "$quiet" != 1 ]; then
		tail -n +1 -F "$log" 2>/dev/null &
		tailpid=$!
	fi
	watch_status= watch_exit=
	while kill -0 "$pid" 2>/dev/null; do
		if watch_matches "$log" "$until"; then
			watch_status=until
		elif watch_matches "$file2" "$until2"; then
			watch_status=until2
		elif [ $((SECONDS - start)) -ge "$timeout" ]; then
			watch_status=timeout
		fi
		[ -n "$watch_status" ] && break
		sleep 0.5
	done
	if [ -z "$watch_status" ]; then
		wait "$pid"
		watch_exit=$?
	fi
	kill -KILL -- -"$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sleep 0.3
	# The emulator may have ended on the awaited line between two polls (a
	# soft power-off exits at once): look once more.
	if [ -z "$watch_status" ] && watch_matches "$log" "$until"; then
		watch_status=until
	elif [ -z "$watch_status" ] && watch_matches "$file2" "$until2"; then
		watch_status=until2
	fi
	# Only our own tail: the runner may have helpers of its own still
	# running (run-bochs.sh's serial typist), which it ends itself.
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null && wait "$tailpid" 2>/dev/null
	watch_seconds=$((SECONDS - start))
}
