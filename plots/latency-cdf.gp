# latency-cdf.gp - the distribution of one master's translation latencies, a line per
# page-size policy, drawn from every bucket of its histogram (the points'
# histograms.csv; sim/cli/plot_hist.c). Column 1 is a latency (ns), the others the
# fraction of the policy's bursts below it ('?' outside the policy's own range).
# The tail is often ten times the median, so the latency axis is logarithmic. A
# line has a point every few rows so that its shape tells it apart in grey.
load plotsdir.'/common.gp'

set xlabel 'translation latency (ns, log scale)'
set ylabel 'fraction of bursts below'
set yrange [0:1.02]
set ytics 0.1
set logscale x
set format x '%g'
set mxtics 10
set autoscale xfix
set offsets graph 0.03, graph 0.03, 0, 0
set key right bottom inside opaque
every_n = nrows > 16 ? int(nrows / 8) : 1

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using 1:i with linespoints pi every_n title columnheader(i)
    unset output
}
