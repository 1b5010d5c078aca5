# Vivado's Tcl commands as stubs: each checks its arguments the way Vivado's documentation gives
# them, checks that files it reads exist, and records the call; any other command is an error.
# Usage: tclsh vivado_stubs.tcl SCRIPT (run in the script's folder). Prints one line per call.

proc fail {message} { puts stderr "stub: $message"; exit 2 }
proc record {name args} { puts "$name $args" }

# Options of a command: a dict from the option to its value ("" for a flag); rejects unknown ones.
proc options {command arguments flags valued} {
    set result [dict create]
    set positional {}
    while {[llength $arguments] > 0} {
        set a [lindex $arguments 0]
        set arguments [lrange $arguments 1 end]
        if {[string index $a 0] eq "-"} {
            if {$a in $flags} {
                dict set result $a ""
            } elseif {$a in $valued} {
                if {[llength $arguments] == 0} { fail "$command: $a needs a value" }
                dict set result $a [lindex $arguments 0]
                set arguments [lrange $arguments 1 end]
            } else {
                fail "$command: unknown option $a"
            }
        } else {
            lappend positional $a
        }
    }
    dict set result positional $positional
    return $result
}

proc need_file {command path} { if {![file exists $path]} { fail "$command: no such file $path" } }

proc read_verilog {args} {
    set o [options read_verilog $args {-sv} {-library}]
    set files [dict get $o positional]
    if {[llength $files] == 0} { fail "read_verilog: no file" }
    foreach f $files { need_file read_verilog $f }
    record read_verilog {*}$files
}
proc read_xdc {args} {
    set o [options read_xdc $args {-unmanaged} {-mode}]
    set files [dict get $o positional]
    if {[llength $files] != 1} { fail "read_xdc: one file expected" }
    need_file read_xdc [lindex $files 0]
    record read_xdc {*}$files
}
proc synth_design {args} {
    set o [options synth_design $args {} {-top -part -mode -flatten_hierarchy -directive}]
    foreach required {-top -part} { if {![dict exists $o $required]} { fail "synth_design: $required is required" } }
    if {[dict exists $o -mode] && [dict get $o -mode] ni {default out_of_context}} { fail "synth_design: -mode [dict get $o -mode]" }
    if {[llength [dict get $o positional]] > 0} { fail "synth_design: unexpected [dict get $o positional]" }
    record synth_design -top [dict get $o -top] -part [dict get $o -part] -mode [expr {[dict exists $o -mode] ? [dict get $o -mode] : "default"}]
}
foreach step {opt_design place_design phys_opt_design route_design} {
    proc $step {args} "set o \[options $step \$args {} {-directive}\]; if {\[llength \[dict get \$o positional\]\] > 0} { fail \"$step: unexpected arguments\" }; record $step"
}
proc write_checkpoint {args} {
    set o [options write_checkpoint $args {-force} {}]
    if {[llength [dict get $o positional]] != 1} { fail "write_checkpoint: one file expected" }
    record write_checkpoint {*}[dict get $o positional]
}
proc report_utilization {args} {
    set o [options report_utilization $args {-hierarchical} {-file}]
    if {![dict exists $o -file]} { fail "report_utilization: -file expected" }
    record report_utilization [dict get $o -file]
}
proc report_timing_summary {args} {
    set o [options report_timing_summary $args {} {-file -max_paths}]
    if {![dict exists $o -file]} { fail "report_timing_summary: -file expected" }
    record report_timing_summary [dict get $o -file]
}
proc write_bitstream {args} {
    set o [options write_bitstream $args {-force} {}]
    if {[llength [dict get $o positional]] != 1} { fail "write_bitstream: one file expected" }
    record write_bitstream {*}[dict get $o positional]
}
rename unknown tcl_unknown
proc unknown {args} { fail "not a Vivado command the stubs know: [lindex $args 0]" }

if {[llength $argv] != 1} { fail "usage: tclsh vivado_stubs.tcl SCRIPT" }
if {[catch {source [lindex $argv 0]} message]} { fail "the script failed: $message" }
