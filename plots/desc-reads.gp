# desc-reads.gp - descriptor reads per KiB transferred, a group of bars per page-size
# policy: all contexts together, then each context paired with its master. The
# policies differ by orders of magnitude, so the axis is logarithmic; a bar of 0
# is not drawn (its value is in the data file).
load plotsdir.'/common.gp'

set xlabel 'page-size policy'
set ylabel 'descriptor reads per KiB transferred (reads/KiB)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
if (ymax > 0) {
    set logscale y
    set format y '%g'
} else {
    set yrange [0:1]
}

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using i:xtic(1)
    unset output
}
