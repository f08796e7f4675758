# page-mix.gp - how the driver mapped the buffers at each RAM fragmentation: the
# share of their pages of each size, stacked to 100%. Columns: fragmentation, then
# the share (%) of 4k, 64k, 1m and 16m pages.
load plotsdir.'/common.gp'

set xlabel 'RAM fragmentation (fraction of each block pool already taken)'
set ylabel 'share of pages (%)'
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [0:100]

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using i:xtic(1)
    unset output
}
