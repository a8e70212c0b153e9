"""站点这一侧、几个页面共用的画图与出表代码（不属于读者导入的 nnlearn 包）。

页面 → ``hooks/figure_specs/<页面>.py`` → ``nnlearn`` 的对象；两个以上页面都要的东西放这里，
只写一次。``hooks/figures.py`` 计算缓存键时也会读这里被用到的模块。
"""
