# miss-rate.gp - TLB miss rate vs TLB entries of one SMMU context, a line per
# page-size policy. Columns: entries, then one miss rate (%) per policy.
load plotsdir.'/common.gp'

set xlabel 'TLB entries'
set ylabel 'TLB miss rate (%)'
set logscale x 2
set format x '%.0f'
set offsets graph 0.03, graph 0.03, 0, 0
if (ymax > 0) { set yrange [0:*] } else { set yrange [0:1] }

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    plot for [i=2:ncol] datafile using 1:i with linespoints lw 2 pt 7 ps 0.8
    unset output
}
