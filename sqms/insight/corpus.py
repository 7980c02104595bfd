"""A labelled corpus of synthetic Chinese ticket texts, for the demo and for training tests.

Texts are built from hand-written templates per leaf problem type (the seeded tree in
sqms/servicedesk/seeds.py), with slots for places, products, amounts, times and devices,
colloquial openings and closings, emotion words, urgency cues that go with the priority,
common typos/variants and some English mixed in. Near categories share vocabulary (营业厅,
话费, 套餐, 网络 …) so the task is not trivial. Everything is drawn from one `random.Random`,
so a seed gives the same texts on every run; 100,000 texts take a few seconds.
"""

import random
from dataclasses import dataclass

# --- slot values -------------------------------------------------------------------------------

PLACES = [
    "天河路营业厅",
    "体育西路营业厅",
    "北京路营业厅",
    "五山营业厅",
    "番禺万达营业厅",
    "福田中心营业厅",
    "南山科技园营业厅",
    "宝安西乡营业厅",
    "东莞南城营业厅",
    "佛山祖庙营业厅",
    "江南西营业厅",
    "你们旗舰店",
    "小区门口那家营业厅",
    "公司楼下的营业厅",
]
AREAS = [
    "天河区",
    "海珠区",
    "白云区",
    "番禺区",
    "南山区",
    "福田区",
    "宝安区",
    "龙岗区",
    "越秀区",
    "黄埔区",
]
HOMES = [
    "金碧花园",
    "丽江花园",
    "华景新城",
    "祈福新邨",
    "碧桂园",
    "万科城",
    "保利花园",
    "星河湾",
    "锦绣香江",
    "翠湖山庄",
    "凤凰城",
    "时代玫瑰园",
]
SPOTS = [
    "地下车库",
    "电梯里",
    "家里卧室",
    "办公室",
    "地铁站",
    "公司会议室",
    "小区里",
    "高铁上",
    "商场负一楼",
    "学校宿舍",
]
TIMES = [
    "昨天晚上",
    "今天早上",
    "前天下午",
    "上周五",
    "这两天",
    "最近一个星期",
    "从周一开始",
    "今天中午",
    "刚才",
    "上个月底",
    "月初",
    "昨天下午三点多",
]
DURATIONS = [
    "半个小时",
    "四十分钟",
    "一个多小时",
    "快两个小时",
    "整整一上午",
    "五十多分钟",
    "一个半小时",
]
PLANS = [
    "129元套餐",
    "199元5G套餐",
    "59元流量套餐",
    "全家享套餐",
    "畅享套餐",
    "38元保号套餐",
    "融合宽带套餐",
    "学生套餐",
    "299元尊享套餐",
    "99元5G畅爽套餐",
]
PRODUCTS = [
    "流量包",
    "彩铃",
    "视频会员",
    "国际漫游包",
    "副卡",
    "亲情号",
    "增值业务",
    "来电提醒",
    "云盘会员",
    "短信包",
]
MONEY = ["18元", "30元", "50元", "68元", "99元", "120多块", "200元", "300多", "15块", "460元"]
DEVICES = ["华为", "小米", "苹果", "OPPO", "vivo", "荣耀", "iPhone 15", "三星"]
MONTHS = ["上个月", "这个月", "三月份", "这两个月", "连续三个月", "十月份", "上上个月"]
STAFF = [
    "3号窗口的营业员",
    "一个女营业员",
    "值班经理",
    "工号1023的客服",
    "5号台的工作人员",
    "接电话的客服",
    "门口引导的员工",
    "上门的装维师傅",
]

OPENINGS = [
    "",
    "",
    "",
    "你好，",
    "您好，",
    "我想问一下，",
    "投诉一下，",
    "我要投诉，",
    "麻烦帮忙看一下，",
    "喂你好，",
    "客服你好，",
    "请问一下，",
    "hi，",
    "我反映个问题，",
    "我是老用户了，",
]
CLOSINGS = [
    "",
    "",
    "",
    "请尽快处理。",
    "麻烦给个说法。",
    "希望尽快回复。",
    "谢谢。",
    "请给我回个电话。",
    "等你们答复。",
    "麻烦跟进一下，谢谢！",
    "thanks",
    "希望你们重视。",
    "请核实一下。",
]
EMOTIONS = [
    "",
    "",
    "",
    "",
    "真的很无语。",
    "太让人失望了。",
    "非常气愤！",
    "很不满意。",
    "实在受不了了。",
    "心情很差。",
    "这服务也太差了吧。",
    "搞什么啊。",
]

# Urgency cues that go with the priority drawn (priority 1 = critical … 4 = normal).
URGENCY = {
    1: [
        "情况非常紧急，",
        "整个小区都受影响，",
        "好多人都一样，大面积的，",
        "影响我们公司正常营业了，",
        "家里老人要用来联系医院，十万火急，",
        "已经影响到几百个用户了，",
    ],
    2: [
        "已经反映第三次了，",
        "拖了好几天了，",
        "非常着急，",
        "耽误了我的工作，",
        "我明天就要用，",
        "今天必须解决，",
    ],
    3: ["", "", "麻烦处理一下，", "希望能解决，"],
    4: ["不着急，", "有空帮忙看看，", "顺便问问，", "没那么急，"],
}

# Variants and typos people write; applied to a share of the texts.
VARIANTS = [
    ("怎么", "咋"),
    ("什么", "啥"),
    ("没有", "木有"),
    ("网络", "网落"),
    ("宽带", "宽代"),
    ("信号", "信好"),
    ("营业厅", "营业听"),
    ("手机", "手ji"),
    ("套餐", "套参"),
    ("服务", "服wu"),
    ("无线", "wifi"),
    ("应用", "APP"),
]

# --- templates per leaf problem type ------------------------------------------------------------
# Each category: titles, description templates, kind weights, priority weights (P1..P4).
# Slots: {place} {area} {home} {spot} {time} {duration} {plan} {product} {money} {device}
# {month} {staff}.

CATEGORY_TEXTS: dict[str, dict[str, list]] = {
    "broadband_outage": {
        "titles": [
            "宽带断网",
            "家里宽带上不了网",
            "光猫红灯闪烁无法上网",
            "宽带频繁掉线",
            "宽带断网报修",
            "wifi连不上，宽带没网",
            "宽带一直断断续续",
            "光纤断了没网",
            "IPTV和宽带都不能用",
            "宽带无法上网",
        ],
        "bodies": [
            "家里宽带从{time}开始断网，光猫红灯一直闪。",
            "{home}的宽带{time}突然上不了网，路由器重启了好几次都没用。",
            "宽带老是掉线，看个视频十分钟断三次，wifi信号满格就是没网。",
            "光猫上的LOS灯亮红色，宽带完全无法上网，机顶盒也看不了电视。",
            "{area}{home}整栋楼宽带都断了，物业说是你们光纤被挖断了。",
            "在家办公要用网，宽带{time}开始断断续续，视频会议一直卡掉。",
            "宽带拨号一直提示错误691，账号没欠费，就是连不上网。",
            "新装的宽带没用几天就断网，装维师傅说光衰太大。",
            "家里网速突然变得特别慢，后来干脆断网了，测速只有零点几兆。",
            "宽带断网报修两天了，说好上门的师傅一直没来。",
            "IPTV显示网络连接失败，电脑也上不了网，应该是宽带的问题。",
            "路由器指示灯正常但是宽带上不了网，换了网线也不行。",
            "{home}这边宽带每天晚上八点以后就掉线，白天倒是正常。",
            "融合套餐里的宽带{time}断网了，手机流量能用，家里wifi用不了。",
            "移机以后宽带一直没通，光猫一直是红灯。",
            "宽带{duration}都连不上，孩子上网课也上不了。",
            "家里的光纤宽带一下雨就断网，修过一次又坏了。",
        ],
        "kinds": [("fault", 7), ("complaint", 3)],
        "priority": [2, 4, 4, 1],
    },
    "weak_signal": {
        "titles": [
            "手机信号弱",
            "手机没有信号",
            "家里没信号",
            "信号差打不了电话",
            "5G信号不稳定",
            "通话经常断线",
            "地下室没有信号",
            "信号时有时无",
            "手机上网很慢信号差",
            "信号弱投诉",
            "信号覆盖不好",
            "基站信号覆盖差",
        ],
        "bodies": [
            "我在{home}家里手机信号很弱，只有一格，打电话对方听不清。",
            "{spot}完全没信号，电话打不出去，微信也发不了。",
            "{time}开始手机5G信号一直跳成4G，网速很慢，用的是{device}手机。",
            "在{area}这边打电话老是断线，说几句就掉了。",
            "家里信号时有时无，要走到阳台才能打电话，换了手机也一样。",
            "小区附近是不是基站坏了，{time}开始整片都没信号。",
            "手机显示有信号但是上不了网，流量打开了也刷不出东西。",
            "公司在{area}写字楼里，手机信号差，客户电话经常接不到。",
            "坐地铁的时候信号特别差，视频完全卡住，别的运营商都正常。",
            "信号弱导致通话质量很差，声音断断续续，还有回声。",
            "{home}新交楼的，整个小区信号覆盖都不好，能不能加个基站。",
            "手机信号一直显示无服务，重启也没用，卡是好的。",
            "在{spot}一点信号都没有，出了门才有，希望优化一下覆盖。",
            "最近信号差得离谱，网速测出来才几百K，5G套餐白交钱了。",
            "打电话经常提示不在服务区，家人都说联系不上我。",
            "用{device}手机在家里只有一格信号，网络很卡，wifi通话也不稳定。",
            "在{spot}手机一点信号都没有，电话打不进来也打不出去。",
            "手机信号很差，一到{spot}就没有信号了，别人的手机都有。",
            "{time}开始手机经常没有信号，要重启好几次才恢复。",
        ],
        "kinds": [("fault", 5), ("complaint", 4), ("consultation", 1)],
        "priority": [1, 3, 4, 2],
    },
    "system_failure": {
        "titles": [
            "系统故障无法办理业务",
            "营业厅系统瘫痪",
            "APP登录不了",
            "系统一直报错",
            "全网业务办理失败",
            "充值系统故障",
            "网上营业厅打不开",
            "系统崩溃",
            "系统升级后无法使用",
            "缴费系统异常",
        ],
        "bodies": [
            "到{place}办业务，营业员说系统瘫痪了，{duration}都办不了。",
            "APP从{time}开始一直登录失败，提示系统繁忙请稍后再试。",
            "网上营业厅打不开，充值一直提示系统错误，钱扣了也没到账。",
            "营业厅的系统一直报错，所有业务都办不了，排了一屋子的人。",
            "{time}全城的充值缴费系统好像都出故障了，好多人都充不进去。",
            "系统升级以后查不了话费，APP显示服务器异常，bug太多了。",
            "在{place}补卡，系统一直卡在实名认证那一步，说是系统故障。",
            "客服热线也说系统故障，查不到我的套餐信息，让我等通知。",
            "你们系统是不是崩了，APP、网站、短信查询全都用不了。",
            "营业员说系统维护，什么业务都办不了，白跑一趟。",
            "微信公众号缴费一直提示系统异常，换了几个手机都不行。",
            "系统出故障导致我办的{product}一直没生效，营业厅也查不到记录。",
            "自助缴费和人工窗口都不能用，说是后台系统宕机。",
            "系统出错把我的号码停机了，客服说是系统故障批量停机。",
            "短信验证码一直收不到，登录不了APP，客服说是平台故障。",
            "在线客服也进不去，网页报500错误，整个系统都挂了。",
        ],
        "kinds": [("complaint", 4), ("fault", 4), ("consultation", 2)],
        "priority": [3, 4, 2, 1],
    },
    "process_delay": {
        "titles": [
            "办理业务等太久",
            "营业厅办理超时",
            "补卡等了一个多小时",
            "业务办理太慢",
            "过户办了好几天没办完",
            "装机一直拖延",
            "退费迟迟不到账",
            "工单处理超时",
            "办个业务跑了三趟",
            "窗口办理速度太慢",
        ],
        "bodies": [
            "在{place}办补卡等了{duration}才办好，只开了一个窗口。",
            "办个过户手续要跑三趟，每次都说材料不全，拖了两个星期。",
            "{time}申请的宽带装机，说好三天内上门，一个星期了还没人来。",
            "退费申请提交一个月了还没到账，每次问都说在走流程。",
            "营业厅办业务太慢了，前面就两个人我等了{duration}。",
            "在{place}办携号转网，营业员操作了{duration}还没办完。",
            "投诉工单提交了一个星期都没人回复，超时了也不处理。",
            "办理销户说要审核，审核了半个月还没结果。",
            "取号以后等了{duration}才叫到我，窗口好几个都空着没人。",
            "发票申请了好几天都没开出来，公司报销等着用。",
            "移机申请了十天，一直说在排期，到现在都没处理。",
            "办理{product}退订，客服说三个工作日，结果一个月了还在扣费流程中。",
            "号码复机办了两天都没恢复，打不了电话耽误事情。",
            "老年人办业务等太久了，一个简单的充值要排{duration}。",
            "预约了上门办理，约好的时间等了一下午没人来也不通知。",
            "积分兑换申请提交好久了，礼品一直没寄出来。",
        ],
        "kinds": [("complaint", 6), ("business", 2), ("consultation", 2)],
        "priority": [0, 3, 5, 2],
    },
    "process_error": {
        "titles": [
            "业务办错了",
            "营业员办理差错",
            "套餐被办错",
            "资料录入错误",
            "补卡补错了号码",
            "办理业务出错",
            "实名信息登记错误",
            "退订没退成",
            "开错了业务",
            "发票信息开错",
        ],
        "bodies": [
            "在{place}让营业员办{plan}，结果给我办成了别的套餐，多扣了{money}。",
            "我只是来咨询，营业员没经过我同意就给我开了{product}。",
            "补卡的时候把我的号码弄错了，补成了别人的号，现在两张卡都用不了。",
            "实名登记的身份证号码录错了一位，现在办什么都提示信息不符。",
            "让营业员帮我退订{product}，说退好了，结果{month}还在扣钱。",
            "办理过户的时候营业员把名字写错了，发票抬头也是错的。",
            "去{place}办停机保号，营业员操作错了直接给销户了。",
            "宽带移机地址登记错了，师傅跑到别的小区去了。",
            "营业员办副卡的时候绑错了主号，费用算到别人头上了。",
            "开的发票金额不对，少开了{money}，还要再跑一趟。",
            "办理携号转网营业员操作失误，号码被锁了好几天。",
            "营业员把我的套餐变更时间设错了，本月就生效导致多收费。",
            "充值的时候营业员输错了号码，{money}充到别人手机上了。",
            "{staff}给我登记的联系电话是错的，回访一直打不到我。",
            "合约机办理时合约期限录错了，多签了一年。",
            "办理业务以后收到的确认短信内容和我办的完全不一样。",
        ],
        "kinds": [("complaint", 6), ("business", 3), ("consultation", 1)],
        "priority": [0, 4, 4, 2],
    },
    "service_attitude": {
        "titles": [
            "营业员态度差",
            "服务态度恶劣",
            "客服态度不好",
            "投诉营业员服务态度",
            "工作人员不耐烦",
            "装维师傅态度差",
            "客服挂我电话",
            "员工玩手机不理人",
            "服务态度投诉",
            "营业员语气很冲",
        ],
        "bodies": [
            "{time}去{place}办业务，{staff}态度很差，问两句就不耐烦。",
            "{staff}说话语气很冲，还翻白眼，我问清楚点有错吗。",
            "打客服热线，客服没说几句就把电话挂了，态度恶劣。",
            "营业员一直在玩手机，叫了好几遍都不理人。",
            "上门的装维师傅态度很差，进门不换鞋，还嫌我家远。",
            "我年纪大听不清，{staff}就大声吼我，太不尊重人了。",
            "在{place}咨询{plan}，营业员爱答不理的，说自己去看APP。",
            "{staff}推销{product}不成就给我脸色看，服务态度太差。",
            "客服一直打官腔推卸责任，问什么都说不知道。",
            "营业厅的保安态度很凶，不让我在里面等。",
            "{staff}和同事聊天说笑，让客户在旁边干等着。",
            "营业员当着其他客户的面嘲讽我不会用手机，很不礼貌。",
            "投诉{staff}服务态度，解释问题很不耐烦，还让我别啰嗦。",
            "打了三次客服电话，每个客服都态度冷漠，敷衍了事。",
            "{staff}在我办业务的时候一直接私人电话，服务意识太差。",
            "营业员对老年人很没耐心，我妈妈被说哭了。",
        ],
        "kinds": [("complaint", 9), ("suggestion", 1)],
        "priority": [0, 3, 5, 2],
    },
    "self_service_terminal": {
        "titles": [
            "自助终端故障",
            "自助机吞卡",
            "自助缴费机坏了",
            "自助终端无法打印发票",
            "自助机黑屏",
            "自助办卡机不能用",
            "自助机扣钱没到账",
            "自助终端死机",
            "自助机读不了身份证",
            "自助终端触摸屏失灵",
        ],
        "bodies": [
            "{place}的自助缴费机吞了我{money}，钱没充进去。",
            "自助终端黑屏了，点什么都没反应，营业厅又没人管。",
            "用自助机补卡，身份证读不出来，试了好几次都提示读卡失败。",
            "自助终端打印发票的时候卡纸了，发票没出来。",
            "{place}那台自助机触摸屏失灵，点缴费跳到别的页面。",
            "自助机扫码付款成功了但是话费没到账，机器显示交易异常。",
            "自助办卡机一直提示设备维护中，已经好几天了。",
            "自助终端死机了，我的卡插在里面拿不出来。",
            "在自助机上打印详单，打印机没纸了也没人加。",
            "自助终端人脸识别一直失败，没办法办理业务。",
            "自助缴费机不收新版的五十元纸币，投进去又退出来。",
            "自助机上办理{product}办到一半死机了，不知道办成没有。",
            "营业厅门口24小时自助终端晚上用不了，屏幕显示网络连接中断。",
            "自助机吐卡的时候卡住了，新的SIM卡取不出来。",
            "自助终端上充值选了{money}，结果扣了两次钱。",
            "那台自助机屏幕裂了还在用，触摸不灵敏，操作很费劲。",
        ],
        "kinds": [("fault", 6), ("complaint", 3), ("consultation", 1)],
        "priority": [0, 3, 5, 2],
    },
    "queue_machine": {
        "titles": [
            "叫号机故障",
            "取号机取不了号",
            "叫号系统乱了",
            "排队叫号过号",
            "叫号机不出票",
            "叫号屏不显示",
            "取号机坏了",
            "叫号顺序混乱",
            "排队号码被跳过",
            "叫号广播听不到",
        ],
        "bodies": [
            "{place}的叫号机取不了号，排队全靠自己记，乱成一团。",
            "叫号机不出票，按了好几次都没反应，只能在门口干等。",
            "取号以后等了{duration}，发现叫号系统乱了，后来的先叫。",
            "叫号屏一直不显示号码，广播也没声音，我的号被过掉了。",
            "排队号码被跳过了，叫号机根本没叫我的号，问了才知道。",
            "{place}的取号机纸用完了，工作人员让手写号码。",
            "叫号机显示的等待人数不对，说前面两个人结果等了{duration}。",
            "叫号系统和窗口对不上，屏幕上叫8号窗口但是8号窗口没人。",
            "取号机屏幕黑屏了，大家都不知道怎么排队，吵起来了。",
            "叫号机打出来的号码重复了，两个人拿着同一个号。",
            "叫号广播声音太小根本听不见，屏幕又坏了，过号了还要重新取。",
            "取了VIP号还是和普通号一起排，叫号机优先级好像没生效。",
            "叫号机一直卡在同一个号码上不动，窗口都空着。",
            "预约到店的号在取号机上取不出来，只能重新排队。",
            "叫号机出票但是票上没有号码，是空白的。",
            "排队叫号的时候叫号机死机了，重启以后之前的号全部作废。",
        ],
        "kinds": [("fault", 6), ("complaint", 3), ("suggestion", 1)],
        "priority": [0, 2, 5, 3],
    },
    "data_anomaly": {
        "titles": [
            "流量数据异常",
            "账单数据不对",
            "积分数据错误",
            "套餐余量显示异常",
            "通话记录不对",
            "流量使用记录异常",
            "APP显示数据有误",
            "余额数据不一致",
            "详单数据缺失",
            "个人资料信息异常",
        ],
        "bodies": [
            "APP显示我{month}用了50G流量，我根本没怎么用，数据肯定有问题。",
            "套餐余量查询显示流量已经用完，但是短信提醒还剩一大半。",
            "通话详单里有好多我没打过的电话，时间都是半夜。",
            "积分突然清零了，之前攒了好几年的积分都没了。",
            "APP上的余额和短信查询的余额不一致，差了{money}。",
            "流量使用记录显示凌晨三点在用流量，那时候手机是关机的。",
            "详单数据缺了好几天，查不到{month}中旬的记录。",
            "我的个人资料里地址和联系人都变成了别人的信息。",
            "账户显示欠费{money}，可我{time}刚充了钱，数据没同步。",
            "宽带使用时长统计不对，显示一个月用了八百小时。",
            "套餐内通话分钟数显示负数，系统数据明显有问题。",
            "{product}的使用数据一直显示0，可我天天都在用。",
            "实名信息显示的身份证号码和我的对不上，数据被改过？",
            "查询到的合约到期时间和当初签的不一样，数据有误。",
            "流量包的剩余量每次查询都不一样，一会儿多一会儿少。",
            "手机APP上的话费账单和营业厅打印出来的数据对不上。",
        ],
        "kinds": [("complaint", 5), ("consultation", 3), ("fault", 2)],
        "priority": [0, 3, 5, 2],
    },
    "billing_dispute": {
        "titles": [
            "话费争议",
            "乱扣费投诉",
            "话费突然变多",
            "莫名其妙被扣费",
            "账单金额不对",
            "扣了不明费用",
            "增值业务乱收费",
            "国际漫游费太高",
            "套餐外费用有异议",
            "要求退还多扣话费",
        ],
        "bodies": [
            "{month}话费突然多了{money}，我的套餐是{plan}，从来没超过。",
            "莫名其妙被扣了{money}，查了说是{product}，我从来没订过。",
            "我已经退订了{product}，{month}还在继续扣费，要求退钱。",
            "账单里有一笔{money}的信息费，不知道是什么，肯定是乱扣费。",
            "去了一趟香港，回来收到了{money}的国际漫游费，太离谱了。",
            "{plan}说好的包月不限量，结果超额流量扣了{money}。",
            "话费明细里有一个增值业务每个月扣{money}，要求全额退还。",
            "欠费停机了才发现被扣了很多不明费用，话费争议要求核实。",
            "老人的手机每个月话费几十块，{month}变成{money}，不合理。",
            "宽带没用却一直在扣月租，已经交了{money}冤枉钱。",
            "合约到期后自动续费了一个更贵的套餐，多扣了{money}。",
            "营业员办套餐的时候说免费，结果每个月收费{money}。",
            "充值{money}只到账一半，另一半说是抵扣了之前的欠费。",
            "销户以后还在扣费，账单还在寄过来。",
            "副卡的费用算到主卡上了，话费翻了一倍，要求解释。",
            "流量包明明买了还提示超额流量扣费，多收了{money}。",
        ],
        "kinds": [("complaint", 7), ("consultation", 3)],
        "priority": [0, 3, 5, 2],
    },
    "plan_change": {
        "titles": [
            "套餐变更",
            "想换个便宜的套餐",
            "套餐升级咨询",
            "申请降套餐",
            "办理套餐变更",
            "改套餐被拒绝",
            "套餐变更不生效",
            "想加装宽带改融合套餐",
            "套餐降档被要求违约金",
            "咨询5G套餐",
        ],
        "bodies": [
            "我想把现在的{plan}换成便宜一点的套餐，怎么办理？",
            "想从{plan}升级到5G套餐，有没有优惠活动？",
            "申请降套餐被告知要到营业厅办，线上不能改吗？",
            "{time}办理了套餐变更，到现在还是按原来的套餐扣费。",
            "想把手机套餐和宽带合并成融合套餐，要带什么资料？",
            "套餐降档说要交违约金{money}，当初办的时候没说有合约。",
            "帮我老婆的号码改成{plan}，再加一张副卡。",
            "流量不够用，想换一个流量多的套餐或者加个{product}。",
            "在APP上申请变更套餐一直提示不符合条件，是什么原因？",
            "我现在用的是{plan}，下个月想改成{plan}，什么时候生效？",
            "家里老人的套餐太贵了，想改成38元保号套餐。",
            "套餐变更申请了三次都被驳回，客服说是合约期内不能改。",
            "出国半年，想把套餐换成保号套餐，回来再改回去。",
            "学生套餐到期了，想问问有没有合适的新套餐可以换。",
            "想取消套餐里的{product}换成流量，可以吗？",
            "公司要求统一改成集团套餐，需要怎么办理变更？",
        ],
        "kinds": [("business", 6), ("consultation", 4), ("complaint", 1)],
        "priority": [0, 1, 4, 5],
    },
    "other": {
        "titles": [
            "咨询业务",
            "表扬营业员",
            "建议增加营业时间",
            "咨询营业厅地址",
            "其他问题",
            "感谢装维师傅",
            "建议改进APP",
            "咨询发票怎么开",
            "问一下积分怎么用",
            "建议增加停车位",
        ],
        "bodies": [
            "想问一下{place}周末几点开门，节假日营业吗？",
            "表扬一下{staff}，很耐心地帮我解决了问题，服务很好。",
            "建议营业厅增加晚上的营业时间，上班族下班过来都关门了。",
            "请问积分可以兑换什么东西，在哪里兑换？",
            "感谢上门的装维师傅，下着雨还准时过来，特别负责。",
            "建议APP的字体能调大一点，老年人看不清楚。",
            "想咨询一下电子发票在哪里下载，公司报销要用。",
            "{place}门口没有停车位，建议跟商场协调一下。",
            "请问办理业务需要带什么证件，代办可以吗？",
            "想问一下你们有没有上门办理的服务，家里老人行动不便。",
            "建议在营业厅放一些饮用水和充电宝，等的时候可以用。",
            "咨询一下携号转网需要满足什么条件。",
            "营业厅环境很好，工作人员很热情，点个赞。",
            "请问怎么查询我名下有几个号码？",
            "想给孩子办一张儿童手表卡，有什么推荐的？",
            "问一下你们的客服热线几点下班，晚上能打吗？",
        ],
        "kinds": [("consultation", 5), ("suggestion", 2), ("praise", 2), ("business", 1)],
        "priority": [0, 0, 3, 7],
    },
}

CATEGORY_CODES = tuple(CATEGORY_TEXTS)

_SLOTS: dict[str, list[str]] = {
    "place": PLACES,
    "area": AREAS,
    "home": HOMES,
    "spot": SPOTS,
    "time": TIMES,
    "duration": DURATIONS,
    "plan": PLANS,
    "product": PRODUCTS,
    "money": MONEY,
    "device": DEVICES,
    "month": MONTHS,
    "staff": STAFF,
}


@dataclass(frozen=True)
class LabelledText:
    category_code: str
    kind: str
    priority: int
    title: str
    description: str

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


class _Slots(dict[str, str]):
    """Draws a fresh slot value each time a template names one."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        values = _SLOTS[key]
        return values[self.rng.randrange(len(values))]


def _pick(rng: random.Random, values: list[str]) -> str:
    return values[rng.randrange(len(values))]


def _weighted(rng: random.Random, weights: list[int]) -> int:
    """Index drawn with the given weights."""
    total = sum(weights)
    point = rng.random() * total
    for index, weight in enumerate(weights):
        point -= weight
        if point < 0:
            return index
    return len(weights) - 1


def _templates(category_code: str) -> dict[str, list]:
    # An unknown code (a parent type, a unit's own type) writes like "other".
    return CATEGORY_TEXTS.get(category_code) or CATEGORY_TEXTS["other"]


def _draw_priority(rng: random.Random, templates: dict[str, list]) -> int:
    return _weighted(rng, templates["priority"]) + 1


def _draw_kind(rng: random.Random, templates: dict[str, list]) -> str:
    kinds = templates["kinds"]
    return str(kinds[_weighted(rng, [weight for _, weight in kinds])][0])


def _compose(category_code: str, rng: random.Random, priority: int) -> tuple[str, str]:
    templates = _templates(category_code)
    slots = _Slots(rng)
    title = _pick(rng, templates["titles"])
    body = _pick(rng, templates["bodies"]).format_map(slots)
    parts = [_pick(rng, OPENINGS)]
    # Urgency cues follow the priority most of the time, so the priority is learnable but not
    # given away.
    cue_priority = priority if rng.random() < 0.8 else rng.randint(1, 4)
    cue = _pick(rng, URGENCY[cue_priority])
    if rng.random() < 0.5:
        parts += [cue, body]
    else:
        parts += [body, cue]
    if rng.random() < 0.35:
        # A second sentence, sometimes from a near category, as real contacts mix matters.
        other = category_code
        if rng.random() < 0.3:
            other = CATEGORY_CODES[rng.randrange(len(CATEGORY_CODES))]
        parts.append(_pick(rng, _templates(other)["bodies"]).format_map(slots))
    parts += [_pick(rng, EMOTIONS), _pick(rng, CLOSINGS)]
    description = "".join(parts).replace("，，", "，").rstrip("，")
    if rng.random() < 0.15:
        old, new = VARIANTS[rng.randrange(len(VARIANTS))]
        description = description.replace(old, new, 1)
    if rng.random() < 0.1:
        title = f"{title}（{_pick(rng, AREAS)}）"
    return title, description


def text_for(category_code: str, rng: random.Random) -> tuple[str, str]:
    """A (title, description) a customer of this problem type might give."""
    templates = _templates(category_code)
    return _compose(category_code, rng, _draw_priority(rng, templates))


# Problem types agents confuse: a share of the labels goes to the neighbour, as in real
# history, which caps what any model can reach on these texts (about 0.9).
NEAR = {
    "broadband_outage": "weak_signal",
    "weak_signal": "broadband_outage",
    "system_failure": "self_service_terminal",
    "process_delay": "process_error",
    "process_error": "process_delay",
    "service_attitude": "process_delay",
    "self_service_terminal": "queue_machine",
    "queue_machine": "self_service_terminal",
    "data_anomaly": "billing_dispute",
    "billing_dispute": "data_anomaly",
    "plan_change": "billing_dispute",
    "other": "plan_change",
}
LABEL_NOISE = 0.08
GENERIC_TITLES = [
    "投诉",
    "反映问题",
    "客户来电",
    "咨询",
    "问题反馈",
    "客户投诉",
    "来访登记",
    "需要处理",
]


def labelled_text(category_code: str, rng: random.Random) -> LabelledText:
    templates = _templates(category_code)
    priority = _draw_priority(rng, templates)
    kind = _draw_kind(rng, templates)
    title, description = _compose(category_code, rng, priority)
    if rng.random() < 0.2:
        title = _pick(rng, GENERIC_TITLES)
    label = category_code
    if rng.random() < LABEL_NOISE:
        label = NEAR.get(category_code, category_code)
    return LabelledText(label, kind, priority, title, description)


# How often each problem type comes up (some are much rarer, as in a real desk).
CATEGORY_WEIGHTS = {
    "broadband_outage": 14,
    "weak_signal": 10,
    "system_failure": 5,
    "process_delay": 10,
    "process_error": 7,
    "service_attitude": 9,
    "self_service_terminal": 5,
    "queue_machine": 4,
    "data_anomaly": 6,
    "billing_dispute": 13,
    "plan_change": 10,
    "other": 7,
}


def labelled_texts(n: int, *, seed: int) -> list[LabelledText]:
    """`n` labelled texts, the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    weights = [CATEGORY_WEIGHTS[code] for code in CATEGORY_CODES]
    return [labelled_text(CATEGORY_CODES[_weighted(rng, weights)], rng) for _ in range(n)]
