# intervals-master.gp - one master over time, from a run's intervals.csv (iommusim run
# --stats-interval; sim/cli/plot_intervals.c writes the data file), in two panels.
# Columns: time_ms (start of the interval), MB/s, p50_ns, p99_ns, max_ns. An interval
# in which no burst completed has no latency ('?'): its lines are broken there.
load plotsdir.'/common.gp'

set style data steps
set xlabel 'simulated time (ms, start of the interval)'
set title

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    set multiplot layout 2,1 title title."\n".subtitle
    set ylabel 'bandwidth (MB/s)'
    if (top(2) > 0) { set yrange [0:*] } else { set yrange [0:1] }
    plot datafile using 1:2 lt 1
    set ylabel 'translation latency (ns)'
    set yrange [0:*]
    plot for [i=3:ncol] datafile using 1:(valid(i) ? column(i) : NaN) lt i-1 \
        title columnheader(i)
    unset multiplot
    unset output
}
