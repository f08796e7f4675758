# intervals-ctx.gp - one SMMU context over time, from a run's intervals.csv (iommusim
# run --stats-interval; sim/cli/plot_intervals.c writes the data file).
# Columns: time_ms (start of the interval), misses, merged_misses, walks (counts).
load plotsdir.'/common.gp'

set style data steps
set xlabel 'simulated time (ms, start of the interval)'
set ylabel 'per interval (count)'
if (ymax > 0) { set yrange [0:*] } else { set yrange [0:1] }

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using 1:i lt i-1
    unset output
}
