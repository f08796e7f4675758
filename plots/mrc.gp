# mrc.gp - the miss-ratio curve of `iommusim tlb` runs (`iommusim plot --mrc`): TLB
# misses per reference (%) against TLB entries, a line per page size. Columns:
# entries, then one miss ratio (%) per page size. Both axes are logarithmic (TLB
# sizes go in powers of two, and ratios of different page sizes differ by orders
# of magnitude); a ratio of exactly 0 cannot be drawn on a log axis, and when every
# ratio is 0 the axis is linear, 0 to 1.
load plotsdir.'/common.gp'

set xlabel 'TLB entries'
set logscale x 2
set format x '%.0f'
set offsets graph 0.03, graph 0.03, 0, 0
if (ymax > 0) {
    set ylabel 'TLB misses per reference (%, log scale)'
    set logscale y
    set format y '%g'
    set mytics 10
} else {
    set ylabel 'TLB misses per reference (%)'
    set yrange [0:1]
}
y(i) = ymax > 0 ? positive(column(i)) : column(i)

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using 1:(y(i)) with linespoints title columnheader(i)
    unset output
}
