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
proc read_mem {args} {
    set o [options read_mem $args {} {}]
    set files [dict get $o positional]
    if {[llength $files] == 0} { fail "read_mem: no file" }
    foreach f $files { need_file read_mem $f }
    record read_mem {*}$files
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
    set o [options write_bitstream $args {-force -bin_file} {}]
    if {[llength [dict get $o positional]] != 1} { fail "write_bitstream: one file expected" }
    record write_bitstream {*}[dict get $o positional]
}

# ---- projects, the IP catalog and block designs ----
# A small model of what Vivado holds: the project's properties, the IP repository's component, the
# block design's cells with their configuration, and its connections. Pins exist only where the IP
# (or the processing system's configuration) gives them, so a script that connects a port the PS does
# not have enabled, or an interface the packaged IP does not declare, fails here as it would in Vivado.
set project ""
set properties [dict create]
set design ""
set cells [dict create]
set connected [dict create]
set assigned {}
set files {}
set runs [dict create]

proc current_project {args} { global project; if {$project eq ""} { fail "current_project: no project" }; return "project:$project" }
proc current_fileset {args} { return "fileset:sources_1" }
proc create_project {args} {
    global project
    set o [options create_project $args {-force -in_memory} {-part}]
    set p [dict get $o positional]
    if {[llength $p] != 2} { fail "create_project: NAME DIR expected" }
    if {![dict exists $o -part]} { fail "create_project: -part is required" }
    set project [lindex $p 0]
    record create_project {*}$p -part [dict get $o -part]
}
proc get_board_parts {args} {
    set o [options get_board_parts $args {-quiet -latest_file_version} {}]
    set pattern [lindex [dict get $o positional] 0]
    if {![string match $pattern xilinx.com:zcu102:part0:3.4]} { return {} }
    return {xilinx.com:zcu102:part0:3.4}
}
proc update_ip_catalog {args} {
    global properties
    if {![dict exists $properties ip_repo_paths]} { fail "update_ip_catalog: no ip_repo_paths set" }
    foreach repo [dict get $properties ip_repo_paths] { need_file update_ip_catalog [file join $repo component.xml] }
    record update_ip_catalog
}
proc set_property {args} {
    global properties cells
    if {[lindex $args 0] eq "-dict"} {
        if {[llength $args] != 3} { fail "set_property -dict LIST OBJECT expected" }
        set pairs [lindex $args 1]
        set object [lindex $args 2]
        if {[llength $pairs] % 2 != 0} { fail "set_property -dict: odd list" }
    } else {
        if {[llength $args] != 3} { fail "set_property NAME VALUE OBJECT expected, got: $args" }
        set pairs [lrange $args 0 1]
        set object [lindex $args 2]
    }
    if {[dict exists $cells $object]} {
        foreach {name value} $pairs {
            if {![string match CONFIG.* $name]} { fail "set_property: $name is not a CONFIG property of $object" }
            dict set cells $object config $name $value
        }
    } elseif {[string match project:* $object] || [string match fileset:* $object]} {
        foreach {name value} $pairs {
            if {$name ni {board_part ip_repo_paths top}} { fail "set_property: $name is not a property the scripts may set on $object" }
            dict set properties $name $value
        }
    } else {
        fail "set_property: no object $object"
    }
    record set_property $pairs $object
}
proc get_property {name object} {
    if {$name eq "PROGRESS" && [string match run:* $object]} { return "100%" }
    # The worst setup slack of the routed design: STUB_WNS in the environment, else met (0.123 ns).
    if {$name eq "SLACK" && [string match timing_path:* $object]} { return [expr {[info exists ::env(STUB_WNS)] ? $::env(STUB_WNS) : 0.123}] }
    fail "get_property: $name of $object"
}

# The accelerator IP as the repository's component.xml declares it: its VLNV, bus interfaces, ports, address block.
proc repository_ip {} {
    global properties
    set xml [read [open [file join [lindex [dict get $properties ip_repo_paths] 0] component.xml]]]
    regexp {<spirit:vendor>([^<]+)</spirit:vendor>\s*<spirit:library>([^<]+)</spirit:library>\s*<spirit:name>([^<]+)</spirit:name>\s*<spirit:version>([^<]+)</spirit:version>} $xml -> v l n r
    set buses {}
    foreach {-> name type} [regexp -all -inline {<spirit:busInterface>\s*<spirit:name>(\w+)</spirit:name>\s*<spirit:busType [^>]*spirit:name="(\w+)"} $xml] { lappend buses $name $type }
    set ports [regexp -all -inline {<spirit:port>\s*<spirit:name>(\w+)</spirit:name>} $xml]
    set blocks [regexp -all -inline {<spirit:addressBlock>\s*<spirit:name>(\w+)</spirit:name>} $xml]
    return [dict create vlnv "$v:$l:$n:$r" buses $buses ports [lmap {- p} $ports {set p}] blocks [lmap {- b} $blocks {set b}]]
}

proc create_bd_design {name} {
    global design
    if {$design ne ""} { fail "create_bd_design: $design already open" }
    set design $name
    record create_bd_design $name
}
proc create_bd_cell {args} {
    global cells design properties
    if {$design eq ""} { fail "create_bd_cell: no block design" }
    set o [options create_bd_cell $args {} {-type -vlnv}]
    if {[dict get $o -type] ne "ip"} { fail "create_bd_cell: -type ip expected" }
    set name [lindex [dict get $o positional] 0]
    set vlnv [dict get $o -vlnv]
    set kind ""
    foreach known {zynq_ultra_ps_e proc_sys_reset smartconnect} {
        if {[string match xilinx.com:ip:$known* $vlnv]} { set kind $known }
    }
    if {$kind eq ""} {
        if {![dict exists $properties ip_repo_paths]} { fail "create_bd_cell: $vlnv is not in the catalog (no IP repository)" }
        if {$vlnv ne [dict get [repository_ip] vlnv]} { fail "create_bd_cell: $vlnv is not in the catalog (the repository holds [dict get [repository_ip] vlnv])" }
        set kind accelerator
    }
    dict set cells $name [dict create kind $kind config [dict create]]
    record create_bd_cell $kind $name
    return $name
}
proc apply_bd_automation {args} {
    global cells properties
    set o [options apply_bd_automation $args {} {-rule -config}]
    set cell [lindex [dict get $o positional] 0]
    if {[dict get $o -rule] ne "xilinx.com:bd_rule:zynq_ultra_ps_e" || ![dict exists $cells $cell]} { fail "apply_bd_automation: unexpected rule or cell" }
    if {![dict exists $properties board_part]} { fail "apply_bd_automation: the board preset needs a board part" }
    # The ZCU102 preset enables both HPM FPD masters.
    dict set cells $cell config CONFIG.PSU__USE__M_AXI_GP0 1
    dict set cells $cell config CONFIG.PSU__USE__M_AXI_GP1 1
    record apply_bd_automation $cell
}

proc config_of {cell name default} {
    global cells
    set c [dict get $cells $cell config]
    return [expr {[dict exists $c $name] ? [dict get $c $name] : $default}]
}
# The interface pins and the pins of a cell, as its IP and configuration make them.
proc cell_pins {cell} {
    global cells
    set intf {}
    set pins {}
    set required {}
    switch [dict get $cells $cell kind] {
        zynq_ultra_ps_e {
            foreach {gp port clock} {0 M_AXI_HPM0_FPD maxihpm0_fpd_aclk 1 M_AXI_HPM1_FPD maxihpm1_fpd_aclk 2 M_AXI_HPM0_LPD maxihpm0_lpd_aclk} {
                if {[config_of $cell CONFIG.PSU__USE__M_AXI_GP$gp 0]} { lappend intf $port; lappend pins $clock; lappend required $clock }
            }
            # S_AXI_GP0 and GP1 are HPC0 and HPC1, GP2 to GP5 are HP0 to HP3.
            foreach {gp port} {0 HPC0 1 HPC1 2 HP0 3 HP1 4 HP2 5 HP3} {
                if {[config_of $cell CONFIG.PSU__USE__S_AXI_GP$gp 0]} {
                    set clock saxi[string tolower $port]_fpd_aclk
                    lappend intf S_AXI_${port}_FPD; lappend pins $clock; lappend required $clock
                    if {[config_of $cell CONFIG.PSU__SAXIGP${gp}__DATA_WIDTH 128] != 128} { fail "S_AXI_${port}_FPD is not 128 bits wide" }
                }
            }
            if {[config_of $cell CONFIG.PSU__FPGA_PL0_ENABLE 0]} { lappend pins pl_clk0 pl_resetn0 }
            if {[config_of $cell CONFIG.PSU__USE__IRQ0 0]} { lappend pins pl_ps_irq0 }
        }
        proc_sys_reset {
            set pins {slowest_sync_clk ext_reset_in aux_reset_in mb_debug_sys_rst dcm_locked mb_reset bus_struct_reset peripheral_reset interconnect_aresetn peripheral_aresetn}
            set required {slowest_sync_clk ext_reset_in}
        }
        smartconnect {
            for {set i 0} {$i < [config_of $cell CONFIG.NUM_SI 1]} {incr i} { lappend intf [format S%02d_AXI $i] }
            for {set i 0} {$i < [config_of $cell CONFIG.NUM_MI 1]} {incr i} { lappend intf [format M%02d_AXI $i] }
            set pins {aclk aresetn}
            set required {aclk aresetn}
        }
        accelerator {
            set ip [repository_ip]
            foreach {name type} [dict get $ip buses] {
                if {$type eq "aximm"} { lappend intf $name } else { lappend pins $name; lappend required $name }
            }
            set required [concat $required $intf]
        }
    }
    return [dict create intf $intf pins $pins required $required]
}
proc bd_pin {command kind path} {
    global cells
    set parts [split $path /]
    if {[llength $parts] != 2} { fail "$command: $path is not CELL/PIN" }
    lassign $parts cell pin
    if {![dict exists $cells $cell]} { fail "$command: no cell $cell" }
    if {$pin ni [dict get [cell_pins $cell] $kind]} { fail "$command: $cell has no [expr {$kind eq "intf" ? "interface pin" : "pin"}] $pin (it has: [dict get [cell_pins $cell] $kind])" }
    return $path
}
proc get_bd_intf_pins {path} { return [bd_pin get_bd_intf_pins intf $path] }
proc get_bd_pins {path} { return [bd_pin get_bd_pins pins $path] }
proc connect_bd_intf_net {a b} {
    global connected
    foreach p [list $a $b] {
        if {[dict exists $connected $p]} { fail "connect_bd_intf_net: $p is already connected" }
        dict set connected $p 1
    }
    record connect_bd_intf_net $a $b
}
proc connect_bd_net {args} {
    global connected
    if {[llength $args] < 2} { fail "connect_bd_net: two pins at least" }
    foreach p $args { dict set connected $p 1 }
    record connect_bd_net {*}$args
}
proc get_bd_addr_spaces {path} {
    if {$path ne "zynq_ultra_ps_e_0/Data"} { fail "get_bd_addr_spaces: no address space $path" }
    return $path
}
proc get_bd_addr_segs {path} {
    global cells
    lassign [split $path /] cell intf block
    if {![dict exists $cells $cell] || [dict get $cells $cell kind] ne "accelerator"} { fail "get_bd_addr_segs: no segment $path" }
    set ip [repository_ip]
    if {![dict exists [dict get $ip buses] $intf] || $block ni [dict get $ip blocks]} { fail "get_bd_addr_segs: no segment $path (blocks: [dict get $ip blocks])" }
    return $path
}
proc assign_bd_address {args} {
    global assigned
    set o [options assign_bd_address $args {-force} {-offset -range -target_address_space}]
    if {[dict exists $o -offset]} {
        set offset [dict get $o -offset]
        set range [dict get $o -range]
        if {$offset < 0xA0000000 || $offset + $range > 0xB0000000} { fail "assign_bd_address: $offset..+$range is outside M_AXI_HPM0_FPD's window 0xA0000000-0xAFFFFFFF" }
        if {$offset % $range != 0} { fail "assign_bd_address: $offset is not aligned to its range $range" }
        lappend assigned [dict get $o positional]
    }
    record assign_bd_address {*}[dict get $o positional]
}
proc validate_bd_design {args} {
    global cells connected assigned
    dict for {cell info} $cells {
        foreach pin [dict get [cell_pins $cell] required] {
            if {![dict exists $connected $cell/$pin]} { fail "validate_bd_design: $cell/$pin is not connected" }
        }
        if {[dict get $info kind] eq "accelerator" && [llength $assigned] == 0} { fail "validate_bd_design: $cell has no assigned address" }
    }
    record validate_bd_design
}
proc save_bd_design {args} {
    global design files
    lappend files "$design.bd"
    record save_bd_design
}
proc get_files {name} {
    global files
    if {$name ni $files} { fail "get_files: no file $name" }
    return $name
}
proc make_wrapper {args} {
    global files
    set o [options make_wrapper $args {-top} {-files}]
    set bd [dict get $o -files]
    set wrapper "[file rootname $bd]_wrapper.v"
    lappend files $wrapper
    record make_wrapper $bd
    return $wrapper
}
proc add_files {args} {
    global files
    set o [options add_files $args {-norecurse} {-fileset}]
    foreach f [dict get $o positional] { if {$f ni $files} { need_file add_files $f } }
    record add_files {*}[dict get $o positional]
}
proc get_runs {name} { if {$name ni {synth_1 impl_1}} { fail "get_runs: no run $name" }; return "run:$name" }
proc launch_runs {args} {
    global runs properties
    set o [options launch_runs $args {} {-jobs -to_step}]
    if {![dict exists $properties top]} { fail "launch_runs: no top set" }
    foreach r [dict get $o positional] { get_runs $r; dict set runs $r launched }
    record launch_runs {*}[dict get $o positional]
}
proc wait_on_run {name} { global runs; if {![dict exists $runs $name]} { fail "wait_on_run: $name was not launched" }; record wait_on_run $name }
proc open_run {name} { global runs; if {![dict exists $runs $name]} { fail "open_run: $name was not run" }; record open_run $name }
proc get_timing_paths {args} {
    global runs
    set o [options get_timing_paths $args {-setup -hold} {-max_paths -nworst -delay_type}]
    if {![dict exists $runs impl_1]} { fail "get_timing_paths: no routed design is open" }
    return "timing_path:worst"
}
proc write_hw_platform {args} {
    set o [options write_hw_platform $args {-fixed -include_bit -force} {-file}]
    if {![dict exists $o -file]} { fail "write_hw_platform: -file expected" }
    record write_hw_platform [dict get $o -file]
}

rename unknown tcl_unknown
proc unknown {args} { fail "not a Vivado command the stubs know: [lindex $args 0]" }

# As `vivado -mode batch -source SCRIPT -tclargs ARGS...`: the script sees ARGS as argv.
if {[llength $argv] < 1} { fail "usage: tclsh vivado_stubs.tcl SCRIPT [TCLARGS...]" }
set script [lindex $argv 0]
set argv [lrange $argv 1 end]
set argc [llength $argv]
if {[catch {source $script} message]} { fail "the script failed: $message" }
