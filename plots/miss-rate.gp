# miss-rate.gp - TLB miss rate vs TLB entries of one SMMU context, a line per
# page-size policy. Columns: entries, then one miss rate (%) per policy.
# The policies' rates differ by orders of magnitude (4k pages miss on every page,
# 1m ones almost never), so the rate axis is logarithmic; a rate of exactly 0
# cannot be drawn on it (its value is in the data file). When every rate is 0
# the axis is linear, 0 to 1.
load plotsdir.'/common.gp'

set xlabel 'TLB entries'
set logscale x 2
set format x '%.0f'
set offsets graph 0.03, graph 0.03, 0, 0
if (ymax > 0) {
    set ylabel 'TLB miss rate (%, log scale)'
    set logscale y
    set format y '%g'
    set mytics 10
} else {
    set ylabel 'TLB miss rate (%)'
    set yrange [0:1]
}
y(i) = ymax > 0 ? positive(column(i)) : column(i)

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using 1:(y(i)) with linespoints title columnheader(i)
    unset output
}
