/*
 * tokenize_ts.h - the Traditional -> Simplified Chinese fold of tokenize.c:
 * one string of pairs, each a Traditional character followed by the
 * Simplified character it folds to, sorted by the Traditional one. No
 * Simplified character of the table is itself folded (the fold is
 * idempotent; tests/unit/test_tokenize.c checks it). The table covers common
 * characters of business text, not the whole of Unicode; a character absent
 * from it is left as it is. tests/api/search-property.test.mjs reads this
 * file to apply the same fold in its brute-force scan.
 */
#ifndef LITECRM_TOKENIZE_TS_H
#define LITECRM_TOKENIZE_TS_H

static const char tok_ts_pairs[] =
    "並并佈布佔占併并來来係系俠侠倆俩倉仓個个們们偉伟側侧偵侦傘伞備备傳传債债傷伤價价"
    "儀仪億亿優优儲储兒儿內内兩两冊册則则創创劃划劍剑動动務务勞劳勢势匯汇區区協协厲厉"
    "參参員员問问啟启單单嗎吗噸吨國国圍围園园圖图團团報报場场壓压壞坏夠够夢梦奪夺婦妇"
    "學学實实寧宁寫写寶宝將将專专對对導导層层屬属島岛師师帳账帶带幫帮幾几庫库廠厂廢废"
    "廣广廳厅張张彈弹彙汇後后徑径從从復复徵征態态憂忧應应懷怀戰战戶户捨舍採采換换揮挥"
    "損损擁拥擇择擊击擔担據据擬拟擴扩擾扰攜携攝摄敵敌數数斷断於于時时曆历書书會会東东"
    "條条業业極极構构樂乐標标樣样樹树橋桥機机檔档檢检權权歡欢歲岁歷历氣气決决準准滿满"
    "漁渔漢汉潔洁濟济灣湾災灾為为無无熱热燈灯營营爭争爺爷牽牵狀状獨独獲获現现環环產产"
    "畢毕畫画當当療疗發发盡尽監监盤盘眾众碼码礎础禍祸禮礼稅税種种積积穩稳穫获窮穷競竞"
    "筆笔節节範范築筑簡简簽签糧粮紀纪約约紅红紙纸級级紮扎細细紹绍終终組组結结絕绝絡络"
    "給给統统經经綜综綠绿維维網网緊紧緒绪線线練练縣县縮缩縱纵總总績绩織织繫系繼继續续"
    "罰罚習习聯联聲声職职聽听腦脑腳脚膚肤臉脸臺台與与舉举舊旧艦舰華华萬万藍蓝藝艺蘇苏"
    "蘭兰處处號号蟲虫術术衛卫衝冲裏里補补裝装裡里製制複复襲袭見见規规視视親亲覺觉覽览"
    "觀观訂订計计訊讯討讨訓训託托記记訪访設设許许訴诉診诊註注評评詞词詢询試试話话該该"
    "詳详誌志認认語语誤误說说誰谁課课調调談谈請请論论諮咨諾诺謀谋講讲謝谢證证識识譯译"
    "議议護护讀读變变讓让豐丰貓猫貝贝負负財财貢贡貨货責责貴贵買买貸贷費费貿贸賀贺資资"
    "賓宾賠赔賣卖質质賬账賴赖購购賽赛贊赞贏赢趕赶趨趋跡迹踐践車车軍军軟软載载輔辅輕轻"
    "輸输轉转辦办辭辞農农這这連连週周進进遊游運运過过達达遞递遠远適适遲迟選选還还邊边"
    "郵邮鄉乡醫医醬酱釋释針针鈔钞鈴铃銀银銳锐銷销鋼钢錄录錢钱錦锦錯错錶表鍵键鍾钟鎮镇"
    "鐘钟鐵铁鑰钥長长門门閃闪閉闭開开閒闲間间閣阁閱阅闆板關关陣阵陸陆陽阳隊队階阶際际"
    "隨随險险隱隐隻只雖虽雙双雜杂雞鸡離离難难雲云電电靈灵靜静韓韩響响頁页頂顶項项順顺"
    "須须預预領领頭头頻频題题額额顏颜類类顧顾顯显風风飛飞飯饭飲饮養养館馆馬马驅驱驗验"
    "驚惊體体髮发鬆松鬧闹魚鱼鳥鸟鹽盐麗丽麥麦麵面黃黄點点黨党齊齐齒齿齡龄龍龙龜龟";

#endif
