# latency-quantiles.gp - the distribution of one master's translation latencies, a line per
# page-size policy, through the quantiles the run recorded (min, p50, p90, p99,
# max: fractions 0, 0.5, 0.9, 0.99, 1). Column 1 is the fraction, the others the
# latency (ns) at it; so each line is plotted with x from its column, y from 1.
# The tail is often ten times the median, so the latency axis is logarithmic.
# Used only when the sweep's points have no histograms.csv (latency-cdf.gp draws
# the whole histogram otherwise); the shape between two quantiles is not known.
load plotsdir.'/common.gp'

set xlabel 'translation latency (ns)'
set ylabel 'fraction of bursts'
set yrange [0:1]
set ytics 0.1
set logscale x
set format x '%g'
set autoscale xfix
set offsets graph 0.03, graph 0.03, 0, 0
set key right bottom inside

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using i:1 with linespoints title columnheader(i)
    unset output
}
