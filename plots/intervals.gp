# intervals.gp - one SMMU context or one master over time, from a run's intervals.csv
# (iommusim run --stats-interval; sim/cli/plot_intervals.c writes the data file).
#   kind 'ctx':    time_ms, misses, merged_misses, walks       (counts per interval)
#   kind 'master': time_ms, MB/s, p50_ns, p99_ns, max_ns       (two panels)
# An interval in which no burst completed has no latency ('?'): its line is broken there.
load plotsdir.'/common.gp'

set style data steps
set xlabel 'simulated time (ms, start of the interval)'

do for [ext in 'png svg'] {
    eval(ext eq 'png' ? png_terminal : svg_terminal)
    set output outbase.'.'.ext
    if (kind eq 'ctx') {
        set ylabel 'per interval (count)'
        if (ymax > 0) { set yrange [0:*] } else { set yrange [0:1] }
        plot for [i=2:ncol] datafile using 1:i lw 2 dt i-1
    } else {
        set multiplot layout 2,1 title title."\n".subtitle
        set title
        set ylabel 'bandwidth (MB/s)'
        if (top(2) > 0) { set yrange [0:*] } else { set yrange [0:1] }
        plot datafile using 1:2 lw 2 lc 1
        set ylabel 'translation latency (ns)'
        set yrange [0:*]
        plot for [i=3:ncol] datafile using 1:(valid(i) ? column(i) : NaN) lw 2 dt i-2 lc i-1 \
            title columnheader(i)
        unset multiplot
        set title title."\n".subtitle
    }
    unset output
}
